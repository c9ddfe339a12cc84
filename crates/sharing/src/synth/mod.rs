//! Synthetic population (合成数据) for the demo and for load tests.
//!
//! Deterministic from a seed (with the `rand` 0.8 `StdRng` this crate is built with):
//! households of one person or a married couple with some children (born up to the
//! data date, so there are infants, linked to their parents by 出生医学证明 records),
//! registered in
//! real county-level divisions (GB/T 2260) so that ID numbers, addresses and
//! `hukou_city` agree; and enterprises with valid unified social credit codes.
//! The data describe the population as of [`DATA_AS_OF`]: adults (18 or older then)
//! have insurance and housing fund values. Single persons follow an age pyramid from
//! 18 to over 100 (born 1920 onwards). About 3% hold a 残疾人证 (残联) and about 3% of
//! households, a quarter of those with a disabled member, receive 低保 (民政).
//! Enterprises' unemployment-insurance records ([`Generator::unemployment_insurance`])
//! are derived from the credit code and the seed alone, so adding them changed no
//! other output.
//!
//! Uniqueness is by construction. An ID number's sequence code is the next free one
//! for its (area, birth date, sex), starting at 010: codes 000–009 are left for the
//! named demo people ([`demo_people`]), so generated data and demo data never share
//! an ID number. Marriage certificate, real-estate certificate, medical insurance and
//! housing fund numbers come from counters whose generated ranges avoid the demo ones.
//! Credit codes carry a distinct organisation code per enterprise.

mod lists;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use chrono::{Datelike, NaiveDate};
use rand::prelude::*;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use lists::{
    AREAS, CAPITALS, ENTERPRISE_TYPES, ETHNICITIES, FEMALE_CHARS, INDUSTRIES, MALE_CHARS, STREETS, SURNAMES,
    TRADE_NAMES,
};

/// The date the generated data describe (ages, insurance, marriages up to it).
pub const DATA_AS_OF: &str = "2025-12-31";
const AS_OF_YEAR: i32 = 2025;

/// 王芳, female, born 1994-03-15 in 兰州市城关区; married to 刘强.
pub const DEMO_WANGFANG_ID: &str = "620102199403150025";
/// 刘强, male, born 1992-08-08 in 兰州市城关区; married to 王芳.
pub const DEMO_LIUQIANG_ID: &str = "620102199208080017";
/// 张三, female, born 1949-12-31 in 北京市朝阳区; retired and widowed.
pub const DEMO_ZHANGSAN_ID: &str = "11010519491231002X";
/// 李四, male, born 1990-01-01 in 深圳市南山区; never married.
pub const DEMO_LISI_ID: &str = "440305199001010018";

/// The marriage certificate number of 王芳 and 刘强.
pub const DEMO_MARRIAGE_CERT_NO: &str = "J620102-2019-001234";

/// The demo enterprise, whose legal representative is 李四: the enterprise one-things
/// prefill from 法人库 for him, and for nobody else.
pub const DEMO_ENTERPRISE_USCC: &str = "91440305MA5GLT4E4A";

/// Source codes of the bundled `sources.toml`, as the generated records name them.
pub mod sources {
    pub const POPULATION: &str = "population";
    pub const MARRIAGE: &str = "marriage";
    pub const SOCIAL_INSURANCE: &str = "social_insurance";
    pub const MEDICAL_INSURANCE: &str = "medical_insurance";
    pub const HOUSING_FUND: &str = "housing_fund";
    pub const LEGAL_ENTITY: &str = "legal_entity";
    pub const LEGAL_REP_POSITIONS: &str = "legal_rep_positions";
    pub const REAL_ESTATE: &str = "real_estate";
    pub const BIRTH_MEDICAL: &str = "birth_medical";
    pub const DISABILITY: &str = "disability";
    pub const MINIMUM_LIVING: &str = "minimum_living";
    pub const UNEMPLOYMENT_INSURANCE: &str = "unemployment_insurance";
}

/// Earliest and latest generated birth dates.
const BIRTH_FIRST: (i32, u32, u32) = (1920, 1, 1);
const BIRTH_LAST: (i32, u32, u32) = (AS_OF_YEAR, 12, 31);
/// Earliest birth date of a married partner.
const COUPLE_BIRTH_FIRST: (i32, u32, u32) = (1940, 1, 1);

/// Birth years of single adults by band, with relative weights: an age pyramid at
/// [`DATA_AS_OF`] from 18 to over 100, thinning out among the oldest old.
const SINGLE_BIRTH_BANDS: [((i32, i32), u32); 7] = [
    ((1920, 1925), 1),  // 100 and over
    ((1926, 1935), 6),  // 90–99
    ((1936, 1945), 30), // 80–89
    ((1946, 1960), 160),
    ((1961, 1975), 200),
    ((1976, 1990), 220),
    ((1991, 2007), 230),
];

/// The share of persons holding a 残疾人证, in per mille.
const DISABLED_PER_MILLE: u32 = 30;
/// Disability grades 1 (most severe) to 4, by relative weight.
const DISABILITY_GRADES: [(u32, u32); 4] = [(1, 15), (2, 25), (3, 30), (4, 30)];
/// Disability categories with the digit of the second-generation card number.
const DISABILITY_CATEGORIES: [(&str, u32); 7] = [
    ("视力", 1),
    ("听力", 2),
    ("言语", 3),
    ("肢体", 4),
    ("智力", 5),
    ("精神", 6),
    ("多重", 7),
];

/// Sequence codes below this are reserved for the demo people.
const FIRST_SEQUENCE: u32 = 10;
/// Sequence codes per (area, birth date, sex): 010..=998 even, 011..=999 odd.
const PER_SLOT: u16 = 495;

/// Certificate serial numbers below this are reserved for the demo people.
const FIRST_SERIAL: u32 = 10_000;
/// Medical insurance and housing fund counters start here (the demo uses 1..=4).
const FIRST_ACCOUNT: u64 = 100;

/// Years of marriage registration tracked per area (1940 onwards).
const MARRIAGE_YEARS: usize = 110;
/// Real-estate certificates are issued from 2016 (unified registration) to [`AS_OF_YEAR`].
const ESTATE_FIRST_YEAR: i32 = 2016;
const ESTATE_YEARS: usize = (AS_OF_YEAR - ESTATE_FIRST_YEAR + 1) as usize;

/// One record of one source about one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Source code, e.g. `population`.
    pub source: String,
    /// The subject key: ID number or credit code.
    pub subject: String,
    /// Attribute -> value, in our formats.
    pub attributes: BTreeMap<String, String>,
}

impl Record {
    fn new<const N: usize>(source: &str, subject: &str, attributes: [(&str, String); N]) -> Record {
        Record::from_pairs(source, subject, attributes)
    }

    fn from_pairs<'a>(source: &str, subject: &str, attributes: impl IntoIterator<Item = (&'a str, String)>) -> Record {
        Record {
            source: source.to_owned(),
            subject: subject.to_owned(),
            attributes: attributes
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }
}

fn ymd((year, month, day): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn from_day_number(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default()
}

/// `date` plus whole years (29 February becomes 28 February in a common year).
fn plus_years(date: NaiveDate, years: i32) -> NaiveDate {
    let year = date.year() + years;
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), date.day().saturating_sub(1)))
        .unwrap_or(date)
}

/// Full years at [`DATA_AS_OF`] (31 December: the birthday has passed).
fn age_at_data_date(birth: NaiveDate) -> i32 {
    AS_OF_YEAR - birth.year()
}

/// One generated person, before being written as records.
struct Person {
    id: String,
    name: String,
    female: bool,
    birth: NaiveDate,
    area: usize,
    ethnicity: &'static str,
    address: String,
    marital: &'static str,
    /// Index of the spouse in the household.
    spouse: Option<usize>,
    marriage: Option<(String, NaiveDate)>,
    estate: Option<(String, String)>,
    /// Indexes of the mother and the father in the household, for a child.
    parents: Option<(usize, usize)>,
    /// (category index, grade) of a 残疾人证.
    disability: Option<(usize, u32)>,
}

/// A deterministic generator of synthetic persons and enterprises.
pub struct Generator {
    rng: StdRng,
    /// Next sequence index per (area, birth day, sex).
    sequences: Vec<u16>,
    /// Next marriage certificate serial per (area, year).
    marriage_serials: Vec<u32>,
    /// Next real-estate certificate serial per (area, year).
    estate_serials: Vec<u32>,
    next_medical: u64,
    next_housing: u64,
    next_enterprise: u64,
    areas: Weighted,
    surnames: Weighted,
    ethnicities: Weighted,
    enterprise_types: Weighted,
    single_bands: Weighted,
    seed: u64,
    first_day: i32,
    days: usize,
    /// Set when every ID number of some (area, sex) is used up: generation stops.
    exhausted: bool,
}

/// Sampling an index by relative weights (cumulative sums and a binary search).
struct Weighted {
    cumulative: Vec<u32>,
}

impl Weighted {
    fn new<T>(items: &[(T, u32)]) -> Weighted {
        let mut total = 0u32;
        let cumulative = items
            .iter()
            .map(|(_, weight)| {
                total = total.saturating_add(*weight);
                total
            })
            .collect();
        Weighted { cumulative }
    }

    fn sample(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let roll = rng.gen_range(0..total);
        self.cumulative.partition_point(|&sum| sum <= roll)
    }
}

impl Generator {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> Generator {
        let first_day = day_number(ymd(BIRTH_FIRST));
        let days = usize::try_from(day_number(ymd(BIRTH_LAST)) - first_day + 1).unwrap_or(0);
        let area_weights: Vec<(usize, u32)> = AREAS.iter().enumerate().map(|(i, a)| (i, a.weight)).collect();
        Generator {
            rng: StdRng::seed_from_u64(seed),
            sequences: vec![0; AREAS.len() * days * 2],
            marriage_serials: vec![FIRST_SERIAL; AREAS.len() * MARRIAGE_YEARS],
            estate_serials: vec![FIRST_SERIAL; AREAS.len() * ESTATE_YEARS],
            next_medical: FIRST_ACCOUNT,
            next_housing: FIRST_ACCOUNT,
            next_enterprise: 0,
            areas: Weighted::new(&area_weights),
            surnames: Weighted::new(&SURNAMES),
            ethnicities: Weighted::new(&ETHNICITIES),
            enterprise_types: Weighted::new(&ENTERPRISE_TYPES),
            single_bands: Weighted::new(&SINGLE_BIRTH_BANDS),
            seed,
            first_day,
            days,
            exhausted: false,
        }
    }

    /// Records of `households` households (one person, or a couple with 0–2 children:
    /// about two persons each on average): for each person one record per person-kind source
    /// that has data on them (`population` and `marriage` always).
    pub fn persons(&mut self, households: usize) -> impl Iterator<Item = Record> + '_ {
        PersonRecords {
            generator: self,
            households: Some(households),
            persons: None,
            buffer: Vec::new().into_iter(),
        }
    }

    /// Records of exactly `persons` persons (the last household is kept small enough to fit).
    pub fn population(&mut self, persons: usize) -> impl Iterator<Item = Record> + '_ {
        PersonRecords {
            generator: self,
            households: None,
            persons: Some(persons),
            buffer: Vec::new().into_iter(),
        }
    }

    /// `count` `legal_entity` records of enterprises with distinct credit codes.
    pub fn enterprises(&mut self, count: usize) -> impl Iterator<Item = Record> + '_ {
        (0..count).map_while(move |_| self.enterprise())
    }

    /// `count` enterprises, each as its `legal_entity` record followed by its
    /// `unemployment_insurance` record ([`Self::unemployment_insurance`]).
    pub fn enterprises_with_insurance(&mut self, count: usize) -> impl Iterator<Item = Record> + '_ {
        (0..count)
            .map_while(move |_| {
                let entity = self.enterprise()?;
                let insurance = self.unemployment_insurance(&entity.subject);
                Some([entity, insurance])
            })
            .flatten()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        // Every list is non-empty.
        items[self.rng.gen_range(0..items.len())]
    }

    fn area(&mut self) -> usize {
        self.areas.sample(&mut self.rng)
    }

    fn birth_between(&mut self, first: NaiveDate, last: NaiveDate) -> NaiveDate {
        let (lo, hi) = (day_number(first), day_number(last));
        from_day_number(if hi > lo { self.rng.gen_range(lo..=hi) } else { lo })
    }

    fn name(&mut self, surname: Option<&str>, female: bool) -> String {
        let mut name = match surname {
            Some(surname) => surname.to_owned(),
            None => SURNAMES[self.surnames.sample(&mut self.rng)].0.to_owned(),
        };
        let chars: &[&str] = if female { &FEMALE_CHARS } else { &MALE_CHARS };
        let length = if self.rng.gen_bool(0.7) { 2 } else { 1 };
        for _ in 0..length {
            name.push_str(self.pick(chars));
        }
        name
    }

    fn surname_of(name: &str) -> &str {
        let surname_length = if name.starts_with("欧阳") { 2 } else { 1 };
        match name.char_indices().nth(surname_length) {
            Some((index, _)) => &name[..index],
            None => name,
        }
    }

    fn address(&mut self, area: usize) -> String {
        let mut address = AREAS[area].prefix();
        address.push_str(self.pick(&STREETS));
        let number = self.rng.gen_range(1..=400);
        let _ = write!(address, "{number}号");
        if self.rng.gen_bool(0.7) {
            let building = self.rng.gen_range(1..=30);
            let unit = self.rng.gen_range(1..=6);
            let floor = self.rng.gen_range(1..=33);
            let door = self.rng.gen_range(1..=4);
            let _ = write!(address, "{building}号楼{unit}单元{floor}{door:02}室");
        }
        address
    }

    /// The next free ID number for (area, birth, sex); the birth date moves to the
    /// next day when that day's sequence codes are used up. `None` when all are.
    fn id_number(&mut self, area: usize, birth: NaiveDate, female: bool) -> Option<(String, NaiveDate)> {
        // Only used modulo `days` below (the loop does not run when `days` is 0).
        let start = usize::try_from(day_number(birth) - self.first_day).unwrap_or(0);
        for step in 0..self.days {
            let day = (start + step) % self.days;
            let slot = (area * self.days + day) * 2 + usize::from(female);
            let used = self.sequences.get(slot).copied()?;
            if used >= PER_SLOT {
                continue;
            }
            if let Some(counter) = self.sequences.get_mut(slot) {
                *counter += 1;
            }
            let date = from_day_number(self.first_day + i32::try_from(day).ok()?);
            let sequence = FIRST_SEQUENCE + 2 * u32::from(used) + u32::from(!female);
            let mut id = String::with_capacity(18);
            let _ = write!(
                id,
                "{}{:04}{:02}{:02}{sequence:03}",
                AREAS[area].code,
                date.year(),
                date.month(),
                date.day()
            );
            let check = ids::id_check_char(&id)?;
            id.push(check);
            return Some((id, date));
        }
        self.exhausted = true;
        None
    }

    fn person(&mut self, area: usize, birth: NaiveDate, female: bool, surname: Option<&str>) -> Option<Person> {
        let (id, birth) = self.id_number(area, birth, female)?;
        let name = self.name(surname, female);
        let ethnicity = ETHNICITIES[self.ethnicities.sample(&mut self.rng)].0;
        Some(Person {
            id,
            name,
            female,
            birth,
            area,
            ethnicity,
            address: String::new(),
            marital: "未婚",
            spouse: None,
            marriage: None,
            estate: None,
            parents: None,
            disability: None,
        })
    }

    fn estate_cert(&mut self, area: usize) -> String {
        let year_index = self.rng.gen_range(0..ESTATE_YEARS);
        // Districts of one city share its registration authority, so its numbering.
        let a = &AREAS[area];
        let authority = AREAS
            .iter()
            .position(|other| other.abbr == a.abbr && other.estate_authority() == a.estate_authority())
            .unwrap_or(area);
        let slot = authority * ESTATE_YEARS + year_index;
        let serial = self.estate_serials.get(slot).copied().unwrap_or(FIRST_SERIAL);
        if let Some(counter) = self.estate_serials.get_mut(slot) {
            *counter += 1;
        }
        let year = ESTATE_FIRST_YEAR + i32::try_from(year_index).unwrap_or(0);
        format!("{}（{year}）{}不动产权第{serial:07}号", a.abbr, a.estate_authority())
    }

    fn marriage_cert(&mut self, area: usize, year: i32) -> String {
        let year_index = usize::try_from(year - BIRTH_FIRST.0)
            .unwrap_or(0)
            .min(MARRIAGE_YEARS - 1);
        let slot = area * MARRIAGE_YEARS + year_index;
        let serial = self.marriage_serials.get(slot).copied().unwrap_or(FIRST_SERIAL);
        if let Some(counter) = self.marriage_serials.get_mut(slot) {
            *counter += 1;
        }
        format!("J{}-{year}-{serial:06}", AREAS[area].code)
    }

    /// One household of at most `limit` (≥ 1) persons; empty when ID numbers run out.
    fn household(&mut self, limit: usize) -> Vec<Person> {
        let mut household: Vec<Person> = if limit >= 2 && self.rng.gen_bool(0.55) {
            self.couple(limit).unwrap_or_default()
        } else {
            self.single().into_iter().collect()
        };
        for person in &mut household {
            if self.rng.gen_range(0..1000) < DISABLED_PER_MILLE {
                let grade = DISABILITY_GRADES[Weighted::new(&DISABILITY_GRADES).sample(&mut self.rng)].0;
                let category = self.rng.gen_range(0..DISABILITY_CATEGORIES.len());
                person.disability = Some((category, grade));
            }
        }
        household
    }

    /// The 低保 record of a household, if it receives or received 低保: more likely
    /// with a disabled member.
    fn minimum_living(&mut self, household: &[Person]) -> Option<(&'static str, NaiveDate)> {
        let disabled = household.iter().any(|p| p.disability.is_some());
        let chance = if disabled { 0.25 } else { 0.03 };
        if !self.rng.gen_bool(chance) {
            return None;
        }
        let status = if self.rng.gen_bool(0.9) { "在保" } else { "停保" };
        let since = self.birth_between(ymd((2015, 1, 1)), ymd((AS_OF_YEAR, 12, 1)));
        Some((status, since))
    }

    fn single(&mut self) -> Option<Person> {
        let area = self.area();
        let female = self.rng.gen_bool(0.5);
        let ((first_year, last_year), _) = SINGLE_BIRTH_BANDS[self.single_bands.sample(&mut self.rng)];
        let birth = self.birth_between(ymd((first_year, 1, 1)), ymd((last_year, 12, 31)));
        let mut person = self.person(area, birth, female, None)?;
        let age = age_at_data_date(person.birth);
        let roll = self.rng.gen_range(0..100);
        let minimum_marriage_age = if female { 20 } else { 22 };
        person.marital = if age < minimum_marriage_age {
            "未婚"
        } else if age >= 65 {
            match roll {
                0..60 => "丧偶",
                60..80 => "离婚",
                _ => "未婚",
            }
        } else if age >= 35 {
            match roll {
                0..45 => "未婚",
                45..85 => "离婚",
                _ => "丧偶",
            }
        } else if roll < 90 {
            "未婚"
        } else {
            "离婚"
        };
        person.address = self.address(area);
        if age >= 18 && self.rng.gen_bool(0.3) {
            person.estate = Some((self.estate_cert(area), person.address.clone()));
        }
        Some(person)
    }

    fn couple(&mut self, limit: usize) -> Option<Vec<Person>> {
        let area = self.area();
        // Couples are born from 1940: the oldest old are generated as single (mostly
        // widowed) persons, and grown children never reach old age at home unmarried.
        let husband_birth = self.birth_between(ymd(COUPLE_BIRTH_FIRST), ymd((AS_OF_YEAR - 24, 12, 31)));
        let offset = self.rng.gen_range(-3 * 365..=5 * 365);
        let wife_birth = from_day_number(
            (day_number(husband_birth) + offset)
                .clamp(day_number(ymd(COUPLE_BIRTH_FIRST)), day_number(ymd((2003, 12, 31)))),
        );
        let wife_area = if self.rng.gen_bool(0.85) { area } else { self.area() };
        let mut husband = self.person(area, husband_birth, false, None)?;
        let mut wife = self.person(wife_area, wife_birth, true, None)?;
        let earliest = plus_years(husband.birth, 22).max(plus_years(wife.birth, 20));
        let latest = plus_years(earliest, 12).min(ymd((AS_OF_YEAR, 12, 31)));
        let married_on = self.birth_between(earliest, latest);
        let registered_in = if self.rng.gen_bool(0.5) { area } else { wife_area };
        let cert = self.marriage_cert(registered_in, married_on.year());
        husband.address = self.address(area);
        wife.address = if wife_area == area {
            husband.address.clone()
        } else {
            self.address(wife_area)
        };
        for (person, spouse) in [(&mut husband, 1), (&mut wife, 0)] {
            person.marital = "已婚";
            person.spouse = Some(spouse);
            person.marriage = Some((cert.clone(), married_on));
        }
        if self.rng.gen_bool(0.6) {
            let estate = (self.estate_cert(area), husband.address.clone());
            husband.estate = Some(estate.clone());
            wife.estate = Some(estate);
        }
        let mut household = vec![husband, wife];
        let last_birth = plus_years(married_on, 15).min(ymd(BIRTH_LAST));
        let wanted = match self.rng.gen_range(0..100) {
            0..20 => 0,
            20..65 => 1,
            _ => 2,
        };
        let children = if married_on < ymd(BIRTH_LAST) {
            wanted.min(limit - 2)
        } else {
            0
        };
        for _ in 0..children {
            let birth = self.birth_between(married_on.succ_opt().unwrap_or(married_on), last_birth);
            let female = self.rng.gen_bool(0.5);
            let father_surname = Self::surname_of(&household[0].name).to_owned();
            let mother_surname = Self::surname_of(&household[1].name).to_owned();
            let surname = if self.rng.gen_bool(0.9) {
                father_surname
            } else {
                mother_surname
            };
            let Some(mut child) = self.person(area, birth, female, Some(&surname)) else {
                break;
            };
            child.address = household[0].address.clone();
            child.parents = Some((1, 0));
            household.push(child);
        }
        Some(household)
    }

    fn records_of(&mut self, household: &[Person], out: &mut Vec<Record>) {
        let minimum_living = self.minimum_living(household);
        for person in household {
            let id = person.id.as_str();
            let area = &AREAS[person.area];
            out.push(Record::new(
                sources::POPULATION,
                id,
                [
                    ("name", person.name.clone()),
                    ("sex", if person.female { "女" } else { "男" }.to_owned()),
                    ("birth_date", person.birth.to_string()),
                    ("ethnicity", person.ethnicity.to_owned()),
                    ("address", person.address.clone()),
                    ("hukou_city", area.city.to_owned()),
                ],
            ));
            let mut marriage = vec![("marital_status", person.marital.to_owned())];
            if let (Some(spouse), Some((cert, date))) = (person.spouse.and_then(|i| household.get(i)), &person.marriage)
            {
                marriage.push(("spouse_id_number", spouse.id.clone()));
                marriage.push(("spouse_name", spouse.name.clone()));
                marriage.push(("marriage_cert_no", cert.clone()));
                marriage.push(("marriage_date", date.to_string()));
            }
            out.push(Record::from_pairs(sources::MARRIAGE, id, marriage));
            let age = age_at_data_date(person.birth);
            if age >= 18 {
                let working_years = (age.min(60) - 18).max(1);
                if self.rng.gen_bool(0.85) {
                    let months = self.rng.gen_range(1..=(working_years * 12).min(540));
                    out.push(Record::new(
                        sources::SOCIAL_INSURANCE,
                        id,
                        [("insured_months", months.to_string())],
                    ));
                }
                if self.rng.gen_bool(0.92) {
                    let years = self.rng.gen_range(0..=working_years.min(45));
                    let number = format!("{}{:010}", area.code, self.next_medical);
                    self.next_medical += 1;
                    out.push(Record::new(
                        sources::MEDICAL_INSURANCE,
                        id,
                        [
                            ("medical_insurance_years", years.to_string()),
                            ("medical_insurance_no", number),
                        ],
                    ));
                }
                if age <= 60 && self.rng.gen_bool(0.55) {
                    let account = format!("{}{:09}", &area.code[..4], self.next_housing);
                    self.next_housing += 1;
                    out.push(Record::new(
                        sources::HOUSING_FUND,
                        id,
                        [("housing_fund_account", account)],
                    ));
                }
            }
            if let Some((mother, father)) = person.parents
                && let (Some(mother), Some(father)) = (household.get(mother), household.get(father))
            {
                out.push(Record::new(
                    sources::BIRTH_MEDICAL,
                    id,
                    [
                        ("mother_id_number", mother.id.clone()),
                        ("father_id_number", father.id.clone()),
                    ],
                ));
            }
            if let Some((category, grade)) = person.disability {
                // The second-generation card number: the ID number, the category digit
                // and the grade digit.
                let (category_name, digit) = DISABILITY_CATEGORIES[category];
                out.push(Record::new(
                    sources::DISABILITY,
                    id,
                    [
                        ("disability_cert_no", format!("{id}{digit}{grade}")),
                        ("disability_category", category_name.to_owned()),
                        ("disability_grade", grade.to_string()),
                    ],
                ));
            }
            if let Some((status, since)) = minimum_living {
                out.push(Record::new(
                    sources::MINIMUM_LIVING,
                    id,
                    [("dibao_status", status.to_owned()), ("dibao_since", since.to_string())],
                ));
            }
            if let Some((cert, address)) = &person.estate {
                out.push(Record::new(
                    sources::REAL_ESTATE,
                    id,
                    [
                        ("real_estate_cert_no", cert.clone()),
                        ("real_estate_address", address.clone()),
                    ],
                ));
            }
        }
    }

    /// The 人社 unemployment-insurance record of the enterprise `uscc` for last year,
    /// from the credit code and this generator's seed alone (the same enterprise gets
    /// the same record whatever else was generated): insured headcount, premiums paid
    /// (0.5% of an assumed average wage base, so about 500 yuan per employee and year),
    /// about 5% in arrears, separations around the 5.5% threshold, and the scale.
    pub fn unemployment_insurance(&self, uscc: &str) -> Record {
        let mut hash = self.seed ^ 0x9e37_79b9_7f4a_7c15;
        for byte in uscc.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut rng = StdRng::seed_from_u64(hash);
        let headcount: u32 = match rng.gen_range(0..100) {
            0..40 => rng.gen_range(1..=10),
            40..70 => rng.gen_range(11..=30),
            70..90 => rng.gen_range(31..=300),
            _ => rng.gen_range(301..=3000),
        };
        let scale = match headcount {
            0..=10 => "微型",
            11..=100 => "小型",
            101..=1000 => "中型",
            _ => "大型",
        };
        let premium_fen = u64::from(headcount) * rng.gen_range(36_000..=72_000);
        let arrears = if rng.gen_bool(0.05) { "是" } else { "否" };
        let rate_per_mille: u32 = rng.gen_range(0..=110);
        let separations = headcount * rate_per_mille / 1000;
        Record::new(
            sources::UNEMPLOYMENT_INSURANCE,
            uscc,
            [
                ("ui_insured_headcount", headcount.to_string()),
                (
                    "ui_premium_last_year",
                    format!("{}.{:02}", premium_fen / 100, premium_fen % 100),
                ),
                ("ui_arrears", arrears.to_owned()),
                ("ui_separations_last_year", separations.to_string()),
                ("enterprise_scale", scale.to_owned()),
            ],
        )
    }

    fn enterprise(&mut self) -> Option<Record> {
        let area_index = self.area();
        let area = &AREAS[area_index];
        // A bijection of the counter onto 0..10^8 (the multiplier is prime to 10^8):
        // distinct organisation codes, spread over the whole range.
        let body = (self.next_enterprise.wrapping_mul(7_654_321).wrapping_add(12_345_678)) % 100_000_000;
        self.next_enterprise += 1;
        let mut code = format!("91{}{body:08}", area.code);
        let organization_body = code.get(8..16).unwrap_or_default().to_owned();
        code.push(ids::organization_check_char(&organization_body)?);
        let check = ids::credit_check_char(&code)?;
        code.push(check);

        let kind = ENTERPRISE_TYPES[self.enterprise_types.sample(&mut self.rng)].0;
        let industry = &INDUSTRIES[self.rng.gen_range(0..INDUSTRIES.len())];
        let trade = self.pick(&TRADE_NAMES);
        let city = area.city.trim_end_matches('市');
        let suffix = match kind {
            "有限责任公司" => "有限公司",
            "股份有限公司" => "股份有限公司",
            "个人独资企业" => "经营部",
            "合伙企业" => "中心（有限合伙）",
            _ => "总公司",
        };
        let name = format!("{city}{trade}{}{suffix}", industry.word);
        let mut address = area.prefix();
        address.push_str(self.pick(&STREETS));
        let number = self.rng.gen_range(1..=500);
        let room = self.rng.gen_range(101..=2020);
        let _ = write!(address, "{number}号{room}室");
        let mut activities: Vec<&str> = industry.activities.to_vec();
        activities.shuffle(&mut self.rng);
        activities.truncate(self.rng.gen_range(2..=activities.len().max(2)));
        let scope = format!(
            "一般项目：{}。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
            activities.join("；")
        );
        let capital = self.pick(&CAPITALS);
        let established = self.birth_between(ymd((1995, 1, 1)), ymd((AS_OF_YEAR, 12, 31)));
        let rep_female = self.rng.gen_bool(0.35);
        let rep_birth = self.birth_between(ymd((1955, 1, 1)), ymd((2000, 12, 31)));
        let rep = self.person(area_index, rep_birth, rep_female, None)?;
        Some(Record::new(
            sources::LEGAL_ENTITY,
            &code,
            [
                ("name", name),
                ("type", kind.to_owned()),
                ("address", address),
                ("business_scope", scope),
                ("registered_capital", format!("{capital}.00")),
                ("established_date", established.to_string()),
                ("legal_rep_name", rep.name),
                ("legal_rep_id_number", rep.id),
            ],
        ))
    }
}

struct PersonRecords<'g> {
    generator: &'g mut Generator,
    households: Option<usize>,
    persons: Option<usize>,
    buffer: std::vec::IntoIter<Record>,
}

impl Iterator for PersonRecords<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            if let Some(record) = self.buffer.next() {
                return Some(record);
            }
            if self.households == Some(0) || self.persons == Some(0) || self.generator.exhausted {
                return None;
            }
            let household = self.generator.household(self.persons.unwrap_or(usize::MAX));
            if household.is_empty() {
                return None;
            }
            if let Some(left) = &mut self.households {
                *left -= 1;
            }
            if let Some(left) = &mut self.persons {
                *left = left.saturating_sub(household.len());
            }
            let mut records = Vec::with_capacity(household.len() * 5);
            self.generator.records_of(&household, &mut records);
            self.buffer = records.into_iter();
        }
    }
}

/// Writes one JSON object per line (`{"source":…,"subject":…,"attributes":{…}}`);
/// returns the number of records written.
pub fn write_jsonl(records: impl Iterator<Item = Record>, out: impl Write) -> std::io::Result<u64> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut count = 0;
    for record in records {
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

/// The named demo people of the product's demo accounts, always present in the demo data:
/// 王芳 ([`DEMO_WANGFANG_ID`]) married on 2019-05-20 to 刘强 ([`DEMO_LIUQIANG_ID`]),
/// 张三 ([`DEMO_ZHANGSAN_ID`], retired, widowed) and 李四 ([`DEMO_LISI_ID`], never married).
/// Their ID numbers, certificate and account numbers lie outside the generated ranges.
pub fn demo_people() -> Vec<Record> {
    type SourceAttributes = (&'static str, Vec<(&'static str, &'static str)>);
    let home = "甘肃省兰州市城关区人民路88号2号楼1单元502室";
    let estate = "甘（2020）兰州市不动产权第0001234号";
    let zhangsan_home = "北京市朝阳区建设路66号3号楼1单元1201室";
    let lisi_home = "广东省深圳市南山区文化路18号";
    let couple = |spouse_id: &'static str, spouse_name: &'static str| {
        vec![
            ("marital_status", "已婚"),
            ("spouse_id_number", spouse_id),
            ("spouse_name", spouse_name),
            ("marriage_cert_no", DEMO_MARRIAGE_CERT_NO),
            ("marriage_date", "2019-05-20"),
        ]
    };
    let people: [(&str, Vec<SourceAttributes>); 4] = [
        (
            DEMO_WANGFANG_ID,
            vec![
                (
                    sources::POPULATION,
                    population("王芳", "女", "1994-03-15", home, "兰州市"),
                ),
                (sources::MARRIAGE, couple(DEMO_LIUQIANG_ID, "刘强")),
                (sources::SOCIAL_INSURANCE, vec![("insured_months", "86")]),
                (
                    sources::MEDICAL_INSURANCE,
                    vec![
                        ("medical_insurance_years", "7"),
                        ("medical_insurance_no", "6201020000000001"),
                    ],
                ),
                (sources::HOUSING_FUND, vec![("housing_fund_account", "6201000000001")]),
                (
                    sources::REAL_ESTATE,
                    vec![("real_estate_cert_no", estate), ("real_estate_address", home)],
                ),
            ],
        ),
        (
            DEMO_LIUQIANG_ID,
            vec![
                (
                    sources::POPULATION,
                    population("刘强", "男", "1992-08-08", home, "兰州市"),
                ),
                (sources::MARRIAGE, couple(DEMO_WANGFANG_ID, "王芳")),
                (sources::SOCIAL_INSURANCE, vec![("insured_months", "112")]),
                (
                    sources::MEDICAL_INSURANCE,
                    vec![
                        ("medical_insurance_years", "9"),
                        ("medical_insurance_no", "6201020000000002"),
                    ],
                ),
                (sources::HOUSING_FUND, vec![("housing_fund_account", "6201000000002")]),
                (
                    sources::REAL_ESTATE,
                    vec![("real_estate_cert_no", estate), ("real_estate_address", home)],
                ),
            ],
        ),
        (
            DEMO_ZHANGSAN_ID,
            vec![
                (
                    sources::POPULATION,
                    population("张三", "女", "1949-12-31", zhangsan_home, "北京市"),
                ),
                (sources::MARRIAGE, vec![("marital_status", "丧偶")]),
                (sources::SOCIAL_INSURANCE, vec![("insured_months", "384")]),
                (
                    sources::MEDICAL_INSURANCE,
                    vec![
                        ("medical_insurance_years", "32"),
                        ("medical_insurance_no", "1101050000000003"),
                    ],
                ),
                (
                    sources::REAL_ESTATE,
                    vec![
                        ("real_estate_cert_no", "京（2016）朝阳区不动产权第0001235号"),
                        ("real_estate_address", zhangsan_home),
                    ],
                ),
            ],
        ),
        (
            DEMO_LISI_ID,
            vec![
                (
                    sources::POPULATION,
                    population("李四", "男", "1990-01-01", lisi_home, "深圳市"),
                ),
                (sources::MARRIAGE, vec![("marital_status", "未婚")]),
                (sources::SOCIAL_INSURANCE, vec![("insured_months", "120")]),
                (
                    sources::MEDICAL_INSURANCE,
                    vec![
                        ("medical_insurance_years", "10"),
                        ("medical_insurance_no", "4403050000000004"),
                    ],
                ),
                (sources::HOUSING_FUND, vec![("housing_fund_account", "4403000000004")]),
                (
                    sources::LEGAL_REP_POSITIONS,
                    vec![("represented_enterprises", DEMO_ENTERPRISE_USCC)],
                ),
            ],
        ),
    ];
    let mut records = vec![Record::from_pairs(
        sources::LEGAL_ENTITY,
        DEMO_ENTERPRISE_USCC,
        [
            ("name", "深圳市南山区李四餐饮管理有限公司"),
            ("type", "有限责任公司（自然人独资）"),
            ("address", "广东省深圳市南山区粤海街道科技南路66号101室"),
            (
                "business_scope",
                "一般项目：餐饮管理；食品销售（仅销售预包装食品）。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
            ),
            ("registered_capital", "50.00"),
            ("established_date", "2021-06-18"),
            ("legal_rep_name", "李四"),
            ("legal_rep_id_number", DEMO_LISI_ID),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned())),
    )];
    for (id, per_source) in people {
        for (source, attributes) in per_source {
            let attributes = attributes.into_iter().map(|(k, v)| (k, v.to_owned()));
            records.push(Record::from_pairs(source, id, attributes));
        }
    }
    records
}

fn population<'a>(
    name: &'a str,
    sex: &'a str,
    birth_date: &'a str,
    address: &'a str,
    hukou_city: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("name", name),
        ("sex", sex),
        ("birth_date", birth_date),
        ("ethnicity", "汉族"),
        ("address", address),
        ("hukou_city", hukou_city),
    ]
}
