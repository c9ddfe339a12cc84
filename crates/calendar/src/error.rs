//! Errors of the working-day calendar.

use chrono::NaiveDate;

/// Why a calendar could not be loaded or a working-day question answered.
///
/// `file` fields carry the label the data file was loaded under (normally its
/// file name, e.g. `2026.toml`); `line` fields are 1-based.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// A date falls in a year for which no holiday arrangement is loaded.
    #[error("缺少{year}年的节假日安排数据，无法计算工作日")]
    NoDataForYear {
        /// The year without data.
        year: i32,
    },
    /// The computation would leave the range of representable dates.
    #[error("日期超出可计算范围，无法计算工作日")]
    DateOutOfRange,
    /// The file is not valid TOML or does not have the expected keys/types.
    #[error("节假日数据文件{file}第{line}行格式错误：{message}")]
    Syntax {
        /// Label of the file.
        file: String,
        /// Line of the problem (1 when the parser gave no position).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `year` is outside the supported range.
    #[error("节假日数据文件{file}第{line}行：年份{year}超出支持范围（1900至9999）")]
    InvalidYear {
        /// Label of the file.
        file: String,
        /// Line of the `year` key.
        line: usize,
        /// The year as written.
        year: i64,
    },
    /// `source` is empty.
    #[error("节假日数据文件{file}缺少发布依据：source应填写国务院办公厅通知的标题和文号")]
    MissingSource {
        /// Label of the file.
        file: String,
    },
    /// A date string is not a valid `YYYY-MM-DD` date.
    #[error("节假日数据文件{file}第{line}行：“{value}”不是有效的日期，应为YYYY-MM-DD格式")]
    InvalidDate {
        /// Label of the file.
        file: String,
        /// Line of the date.
        line: usize,
        /// The text as written.
        value: String,
    },
    /// A date lies outside the year the file describes.
    #[error("节假日数据文件{file}第{line}行：日期{date}不在该文件的年份{year}年内")]
    DateOutsideYear {
        /// Label of the file.
        file: String,
        /// Line of the date.
        line: usize,
        /// The date.
        date: NaiveDate,
        /// The year of the file.
        year: i32,
    },
    /// `off` does not hold one or two dates.
    #[error(
        "节假日数据文件{file}第{line}行：{holiday}的off应为1个日期（单日）或2个日期（首日和末日），实际为{count}个"
    )]
    RangeShape {
        /// Label of the file.
        file: String,
        /// Line of the `off` key.
        line: usize,
        /// Name of the holiday.
        holiday: String,
        /// Number of dates found.
        count: usize,
    },
    /// The last day off is before the first.
    #[error("节假日数据文件{file}第{line}行：{holiday}的放假结束日期{end}早于开始日期{start}")]
    RangeReversed {
        /// Label of the file.
        file: String,
        /// Line of the `off` key.
        line: usize,
        /// Name of the holiday.
        holiday: String,
        /// First day off as written.
        start: NaiveDate,
        /// Last day off as written.
        end: NaiveDate,
    },
    /// A make-up working day is a weekday (it would change nothing).
    #[error("节假日数据文件{file}第{line}行：{holiday}的调休上班日{date}是{weekday}，调休上班日只能是周六或周日")]
    MakeUpNotWeekend {
        /// Label of the file.
        file: String,
        /// Line of the date.
        line: usize,
        /// Name of the holiday.
        holiday: String,
        /// The date.
        date: NaiveDate,
        /// Chinese weekday name, e.g. "周三".
        weekday: &'static str,
    },
    /// A date is listed both as a day off and as a make-up working day.
    #[error("节假日数据文件{file}第{line}行：{date}既在放假日期内，又被列为调休上班日")]
    OffAndMakeUp {
        /// Label of the file.
        file: String,
        /// Line of the make-up date.
        line: usize,
        /// The date.
        date: NaiveDate,
    },
    /// `published` is not in the year of the file or the year before.
    #[error("节假日数据文件{file}第{line}行：发布日期{date}应在{year}年或上一年内")]
    PublishedOutOfRange {
        /// Label of the file.
        file: String,
        /// Line of the date.
        line: usize,
        /// The date as written.
        date: NaiveDate,
        /// The year of the file.
        year: i32,
    },
    /// A notice to be imported lacks its publication date.
    #[error("节假日数据文件{file}缺少发布日期：published应填写通知的发布日期，例如\"2026-11-05\"")]
    MissingPublished {
        /// Label of the file.
        file: String,
    },
    /// A statutory holiday under the regulation in force is not a day off in the file.
    #[error("节假日数据文件{file}：{date}（{holiday}）是法定节假日，但不在任何放假日期内；请核对通知")]
    StatutoryDayMissing {
        /// Label of the file.
        file: String,
        /// Name of the statutory holiday.
        holiday: String,
        /// The statutory day missing from the file.
        date: NaiveDate,
    },
    /// The official arrangement of a year is already loaded.
    #[error("{year}年的官方节假日安排已经导入（{notice}），不能再次导入")]
    YearAlreadyOfficial {
        /// The year.
        year: i32,
        /// The notice already loaded.
        notice: String,
    },
    /// A notice for a year after a provisional one: the earlier notice comes first, so
    /// that provisional years always follow the official ones.
    #[error("请先导入{missing}年的节假日安排，再导入{year}年的")]
    EarlierYearMissing {
        /// The year of the file.
        year: i32,
        /// The provisional year before it.
        missing: i32,
    },
    /// Lunar dates or solar terms could not be computed for a year.
    #[error("无法推算{year}年的农历节日或节气：{message}")]
    LunarUnavailable {
        /// The year.
        year: i32,
        /// What the lunar calendar said.
        message: String,
    },
    /// Two files describe the same year.
    #[error("{year}年的节假日安排数据重复：{first}和{second}都是{year}年的数据")]
    DuplicateYear {
        /// The year.
        year: i32,
        /// Label of the file loaded first.
        first: String,
        /// Label of the file rejected.
        second: String,
    },
}

impl CalendarError {
    /// A stable, machine-readable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoDataForYear { .. } => "CALENDAR_NO_DATA_FOR_YEAR",
            Self::DateOutOfRange => "CALENDAR_DATE_OUT_OF_RANGE",
            Self::Syntax { .. } => "CALENDAR_FILE_SYNTAX",
            Self::InvalidYear { .. } => "CALENDAR_FILE_INVALID_YEAR",
            Self::MissingSource { .. } => "CALENDAR_FILE_MISSING_SOURCE",
            Self::InvalidDate { .. } => "CALENDAR_FILE_INVALID_DATE",
            Self::DateOutsideYear { .. } => "CALENDAR_FILE_DATE_OUTSIDE_YEAR",
            Self::RangeShape { .. } => "CALENDAR_FILE_RANGE_SHAPE",
            Self::RangeReversed { .. } => "CALENDAR_FILE_RANGE_REVERSED",
            Self::MakeUpNotWeekend { .. } => "CALENDAR_FILE_MAKE_UP_NOT_WEEKEND",
            Self::OffAndMakeUp { .. } => "CALENDAR_FILE_OFF_AND_MAKE_UP",
            Self::DuplicateYear { .. } => "CALENDAR_DUPLICATE_YEAR",
            Self::PublishedOutOfRange { .. } => "CALENDAR_FILE_PUBLISHED_OUT_OF_RANGE",
            Self::MissingPublished { .. } => "CALENDAR_FILE_MISSING_PUBLISHED",
            Self::StatutoryDayMissing { .. } => "CALENDAR_FILE_STATUTORY_DAY_MISSING",
            Self::YearAlreadyOfficial { .. } => "CALENDAR_YEAR_ALREADY_OFFICIAL",
            Self::LunarUnavailable { .. } => "CALENDAR_LUNAR_UNAVAILABLE",
            Self::EarlierYearMissing { .. } => "CALENDAR_EARLIER_YEAR_MISSING",
        }
    }

    /// The label of the data file this error is about, if any.
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::Syntax { file, .. }
            | Self::InvalidYear { file, .. }
            | Self::MissingSource { file }
            | Self::InvalidDate { file, .. }
            | Self::DateOutsideYear { file, .. }
            | Self::RangeShape { file, .. }
            | Self::RangeReversed { file, .. }
            | Self::MakeUpNotWeekend { file, .. }
            | Self::OffAndMakeUp { file, .. }
            | Self::PublishedOutOfRange { file, .. }
            | Self::MissingPublished { file }
            | Self::StatutoryDayMissing { file, .. } => Some(file),
            Self::DuplicateYear { second, .. } => Some(second),
            Self::NoDataForYear { .. }
            | Self::DateOutOfRange
            | Self::YearAlreadyOfficial { .. }
            | Self::EarlierYearMissing { .. }
            | Self::LunarUnavailable { .. } => None,
        }
    }
}
