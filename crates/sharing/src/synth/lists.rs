//! Word lists for the synthetic population: real GB/T 2260 county-level codes with
//! their names, and common surnames and given-name characters.

/// A county-level division (GB/T 2260) people are registered in.
pub(super) struct Area {
    pub code: &'static str,
    pub province: &'static str,
    /// The city; equal to `province` for a municipality (北京市, 上海市, 天津市, 重庆市).
    pub city: &'static str,
    pub district: &'static str,
    /// The province's one-character abbreviation, used in real-estate certificate numbers.
    pub abbr: &'static str,
    /// Relative share of the population.
    pub weight: u32,
}

impl Area {
    /// 甘肃省兰州市城关区, or 北京市朝阳区 for a municipality.
    pub fn prefix(&self) -> String {
        if self.city == self.province {
            format!("{}{}", self.province, self.district)
        } else {
            format!("{}{}{}", self.province, self.city, self.district)
        }
    }

    /// The registering authority named in a real-estate certificate number: the city,
    /// or the district in a municipality.
    pub fn estate_authority(&self) -> &'static str {
        if self.city == self.province {
            self.district
        } else {
            self.city
        }
    }
}

const fn area(
    code: &'static str,
    province: &'static str,
    city: &'static str,
    district: &'static str,
    abbr: &'static str,
    weight: u32,
) -> Area {
    Area {
        code,
        province,
        city,
        district,
        abbr,
        weight,
    }
}

/// Lanzhou, where the demo runs, is over-represented.
pub(super) static AREAS: [Area; 21] = [
    area("620102", "甘肃省", "兰州市", "城关区", "甘", 12),
    area("620103", "甘肃省", "兰州市", "七里河区", "甘", 6),
    area("620104", "甘肃省", "兰州市", "西固区", "甘", 3),
    area("620105", "甘肃省", "兰州市", "安宁区", "甘", 3),
    area("110105", "北京市", "北京市", "朝阳区", "京", 6),
    area("110108", "北京市", "北京市", "海淀区", "京", 5),
    area("120101", "天津市", "天津市", "和平区", "津", 2),
    area("310104", "上海市", "上海市", "徐汇区", "沪", 3),
    area("310115", "上海市", "上海市", "浦东新区", "沪", 6),
    area("320102", "江苏省", "南京市", "玄武区", "苏", 3),
    area("330106", "浙江省", "杭州市", "西湖区", "浙", 4),
    area("340104", "安徽省", "合肥市", "蜀山区", "皖", 3),
    area("370102", "山东省", "济南市", "历下区", "鲁", 3),
    area("410105", "河南省", "郑州市", "金水区", "豫", 3),
    area("420106", "湖北省", "武汉市", "武昌区", "鄂", 3),
    area("430104", "湖南省", "长沙市", "岳麓区", "湘", 3),
    area("440106", "广东省", "广州市", "天河区", "粤", 5),
    area("440305", "广东省", "深圳市", "南山区", "粤", 5),
    area("500103", "重庆市", "重庆市", "渝中区", "渝", 3),
    area("510107", "四川省", "成都市", "武侯区", "川", 4),
    area("610113", "陕西省", "西安市", "雁塔区", "陕", 4),
];

/// Common surnames with rough relative frequencies.
pub(super) static SURNAMES: [(&str, u32); 80] = [
    ("王", 72),
    ("李", 70),
    ("张", 66),
    ("刘", 53),
    ("陈", 46),
    ("杨", 35),
    ("黄", 25),
    ("赵", 20),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 12),
    ("郭", 12),
    ("何", 12),
    ("高", 11),
    ("林", 11),
    ("罗", 10),
    ("郑", 10),
    ("梁", 10),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 5),
    ("程", 5),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 4),
    ("卢", 4),
    ("姜", 4),
    ("崔", 4),
    ("钟", 4),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("韦", 3),
    ("付", 3),
    ("方", 3),
    ("白", 3),
    ("邹", 3),
    ("孟", 3),
    ("熊", 3),
    ("秦", 3),
    ("邱", 3),
    ("江", 3),
    ("尹", 3),
    ("薛", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("欧阳", 1),
];

/// Characters common in men's given names.
pub(super) static MALE_CHARS: [&str; 48] = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇",
    "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "阳", "建", "国", "志", "文", "东", "海", "峰", "亮", "成",
    "彬", "晨", "昊", "博", "然", "轩", "泽", "睿", "天", "嘉",
];

/// Characters common in women's given names.
pub(super) static FEMALE_CHARS: [&str; 44] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "兰", "萍", "红", "燕", "婷", "雪", "琳",
    "晶", "倩", "颖", "慧", "洁", "莉", "梅", "月", "欣", "怡", "悦", "彤", "涵", "萱", "雨", "佳", "诗", "琪", "瑶",
    "欢", "蕾", "璐", "茜", "楠", "洋",
];

/// Ethnic groups with rough relative frequencies.
pub(super) static ETHNICITIES: [(&str, u32); 10] = [
    ("汉族", 900),
    ("回族", 30),
    ("壮族", 15),
    ("满族", 10),
    ("维吾尔族", 8),
    ("苗族", 8),
    ("彝族", 7),
    ("土家族", 7),
    ("藏族", 5),
    ("蒙古族", 5),
];

/// Street names used in generated addresses (generic names found in many cities).
pub(super) static STREETS: [&str; 20] = [
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "和平路",
    "胜利路",
    "新华路",
    "文化路",
    "友谊路",
    "东风路",
    "长江路",
    "黄河路",
    "滨河路",
    "民主路",
    "光明路",
    "幸福路",
    "团结路",
    "青年路",
    "朝阳路",
    "春晖路",
];

/// Trade-name words (字号) of generated enterprises.
pub(super) static TRADE_NAMES: [&str; 32] = [
    "华远", "恒信", "金桥", "鼎盛", "瑞丰", "博远", "宏达", "永泰", "天成", "众诚", "海纳", "立信", "启航", "嘉禾",
    "锦程", "鸿运", "德润", "新禾", "智远", "同创", "汇通", "安和", "长青", "晟达", "云帆", "益民", "聚源", "明辉",
    "盛世", "如意", "丰泽", "正和",
];

/// An industry: the word in the enterprise name and the activities of its business scope.
pub(super) struct Industry {
    pub word: &'static str,
    pub activities: &'static [&'static str],
}

pub(super) static INDUSTRIES: [Industry; 10] = [
    Industry {
        word: "信息技术",
        activities: &[
            "软件开发",
            "信息系统集成服务",
            "信息技术咨询服务",
            "数据处理和存储支持服务",
        ],
    },
    Industry {
        word: "商贸",
        activities: &[
            "日用百货销售",
            "五金产品零售",
            "服装服饰批发",
            "食品销售（仅销售预包装食品）",
        ],
    },
    Industry {
        word: "餐饮管理",
        activities: &["餐饮服务", "餐饮管理", "食品销售（仅销售预包装食品）", "外卖递送服务"],
    },
    Industry {
        word: "建筑工程",
        activities: &["建设工程施工", "住宅室内装饰装修", "园林绿化工程施工", "建筑材料销售"],
    },
    Industry {
        word: "文化传媒",
        activities: &[
            "组织文化艺术交流活动",
            "广告设计、代理",
            "会议及展览服务",
            "图文设计制作",
        ],
    },
    Industry {
        word: "物流",
        activities: &[
            "普通货物仓储服务",
            "国内货物运输代理",
            "道路货物运输（不含危险货物）",
            "装卸搬运",
        ],
    },
    Industry {
        word: "农业发展",
        activities: &[
            "谷物种植",
            "蔬菜种植",
            "农产品的生产、销售、加工、运输、贮藏及其他相关服务",
            "农业机械服务",
        ],
    },
    Industry {
        word: "环保科技",
        activities: &["环境保护专用设备销售", "固体废物治理", "水污染治理", "节能管理服务"],
    },
    Industry {
        word: "健康管理",
        activities: &["健康咨询服务（不含诊疗服务）", "养老服务", "家政服务", "体育健康服务"],
    },
    Industry {
        word: "教育咨询",
        activities: &[
            "教育咨询服务（不含涉许可审批的教育培训活动）",
            "业务培训",
            "文艺培训",
            "图书出租",
        ],
    },
];

/// Enterprise types of the data element enterprise.type, with rough shares.
pub(super) static ENTERPRISE_TYPES: [(&str, u32); 5] = [
    ("有限责任公司", 70),
    ("股份有限公司", 7),
    ("个人独资企业", 10),
    ("合伙企业", 8),
    ("非公司企业法人", 5),
];

/// Registered capital in 万元.
pub(super) static CAPITALS: [u32; 10] = [3, 10, 30, 50, 100, 200, 500, 1000, 3000, 5000];
