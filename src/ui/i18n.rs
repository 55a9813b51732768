//! The officers' language: Chinese by default, English with `?lang=en` (remembered in a
//! cookie). Every label lives here, both languages side by side, so a label cannot exist in
//! one language only; codes from reports (verdicts, rules, agencies…) are translated by
//! [`Lang::value`], and an unknown code is shown as it is rather than hidden. Rule names and
//! their arithmetic are the policy engine's (`crate::policy::explain`), rendered in this language.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{Ready, ready};

pub const LANG_COOKIE: &str = "hub_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "zh" | "zh-CN" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    pub fn labels(self) -> &'static Labels {
        match self {
            Self::Zh => &ZH,
            Self::En => &EN,
        }
    }

    /// The label of a code of the given kind, or the code itself when it has none.
    pub fn value(self, kind: Kind, code: &str) -> String {
        table(kind)
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, zh, en)| if self == Self::Zh { *zh } else { *en })
            .unwrap_or(code)
            .to_owned()
    }

    /// The same language for the policy engine's explanations.
    pub fn explain(self) -> crate::policy::explain::Lang {
        match self {
            Self::Zh => crate::policy::explain::Lang::Zh,
            Self::En => crate::policy::explain::Lang::En,
        }
    }

    pub fn yes_no(self, value: bool) -> &'static str {
        if value { self.labels().yes } else { self.labels().no }
    }
}

/// The language of this request and whether it was chosen by `?lang=` (then remembered).
#[derive(Debug, Clone, Copy)]
pub struct LangChoice {
    pub lang: Lang,
    pub from_query: bool,
}

impl FromRequest for LangChoice {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(choose(request)))
    }
}

pub fn choose(request: &HttpRequest) -> LangChoice {
    let from_query = url::form_urlencoded::parse(request.query_string().as_bytes())
        .find(|(key, _)| key == "lang")
        .and_then(|(_, value)| Lang::parse(&value));
    if let Some(lang) = from_query {
        return LangChoice { lang, from_query: true };
    }
    let from_cookie = request.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value()));
    LangChoice { lang: from_cookie.unwrap_or(Lang::Zh), from_query: false }
}

/// Kinds of codes that appear in reports, listings and the audit log.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Verdict,
    Status,
    Program,
    Category,
    ApprovalLevel,
    Agency,
    SourceStatus,
    Cause,
    RuleOutcome,
    Flag,
    FlagExplanation,
    Decision,
    Relation,
    Area,
    Action,
    Role,
    Outcome,
}

type Table = &'static [(&'static str, &'static str, &'static str)];

fn table(kind: Kind) -> Table {
    match kind {
        Kind::Verdict => &[
            ("eligible", "符合条件", "Eligible"),
            ("low_income", "低收入家庭", "Low-income family"),
            ("graduating", "渐退", "Graduating (grace period)"),
            ("ineligible", "不符合条件", "Ineligible"),
            ("needs_review", "需人工复核", "Needs review"),
        ],
        Kind::Status => &[
            ("queued", "排队中", "Queued"),
            ("running", "核对中", "Running"),
            ("completed", "已完成", "Completed"),
            ("failed", "核对失败", "Failed"),
        ],
        Kind::Program => &[
            ("dibao", "最低生活保障", "Minimum living allowance"),
            ("tekun", "特困人员救助供养", "Extreme-poverty support"),
            ("low_income", "低收入家庭认定", "Low-income family"),
            ("temporary", "临时救助", "Temporary assistance"),
        ],
        Kind::Category => &[
            ("dibao_a", "低保 A 类", "Dibao class A"),
            ("dibao_b", "低保 B 类", "Dibao class B"),
            ("dibao_single", "单人户低保", "Dibao, single-person case"),
            ("tekun", "特困供养", "Extreme-poverty support"),
            ("low_income", "低收入家庭", "Low-income family"),
            ("temporary", "临时救助", "Temporary assistance"),
        ],
        Kind::ApprovalLevel => &[
            ("township", "乡镇（街道）审批", "Township"),
            ("county", "县级民政部门审批", "County civil-affairs office"),
            ("county_leading_group", "县级协调机制（领导小组）审批", "County leading group"),
        ],
        Kind::Agency => &[
            ("tax", "税务", "Tax"),
            ("real_estate", "不动产登记", "Real estate"),
            ("housing_fund", "住房公积金", "Housing fund"),
            ("bank", "银行存款", "Bank deposits"),
        ],
        Kind::SourceStatus => &[
            ("ok", "正常", "OK"),
            ("cached", "缓存", "Cached"),
            ("no_consent", "无授权", "No consent"),
            ("timeout", "超时", "Timeout"),
            ("unavailable", "不可用", "Unavailable"),
            ("malformed", "数据异常", "Malformed"),
            ("not_queried", "未查询", "Not queried"),
        ],
        Kind::Cause => &[
            ("no_consent", "无有效授权，未查询", "No valid consent: not queried"),
            ("timeout", "查询超时", "Timed out"),
            ("unavailable", "部门系统不可用", "Agency unavailable"),
            ("malformed", "返回数据格式异常", "Malformed answer"),
            ("unconverted_currency", "外币存款无法折算", "Foreign-currency account not converted"),
            ("circuit_open", "部门故障熔断，未调用", "Circuit open: not called"),
            ("bulkhead_full", "并发已满，未调用", "Too many concurrent queries: not called"),
            ("rate_limited", "超出限流，未调用", "Rate limited: not called"),
        ],
        Kind::RuleOutcome => {
            &[("pass", "通过", "Pass"), ("fail", "未通过", "Fail"), ("info", "计算", "Figure")]
        }
        Kind::Flag => &[
            ("undeclared_income", "存在未申报收入", "Undeclared income"),
            ("income_sources_disagree", "收入来源不一致", "Income sources disagree"),
            ("dibao_recommended", "建议按低保审核", "Dibao recommended"),
        ],
        Kind::FlagExplanation => &[
            (
                "undeclared_income",
                "核实的家庭月收入超过申报合计，超出部分大于容差与最低金额。",
                "Verified household income exceeds the declared total by more than the tolerance and the minimum.",
            ),
            (
                "income_sources_disagree",
                "同一成员的纳税收入与公积金推算工资相差超过较大者的 20%。",
                "A member's taxed income and housing-fund wage differ by more than 20 % of the larger.",
            ),
            (
                "dibao_recommended",
                "人均收入低于低保标准，建议按低保申请办理。",
                "Per-capita income is below the dibao standard: consider a dibao application.",
            ),
        ],
        Kind::Decision => &[
            ("approve", "批准", "Approve"),
            ("reject", "不予批准", "Reject"),
            ("return", "退回补充材料", "Return for more information"),
        ],
        Kind::Relation => &[
            ("applicant", "申请人", "Applicant"),
            ("spouse", "配偶", "Spouse"),
            ("child", "子女", "Child"),
            ("son", "儿子", "Son"),
            ("daughter", "女儿", "Daughter"),
            ("parent", "父母", "Parent"),
            ("father", "父亲", "Father"),
            ("mother", "母亲", "Mother"),
            ("grandchild", "孙子女", "Grandchild"),
            ("grandparent", "祖父母", "Grandparent"),
            ("sibling", "兄弟姐妹", "Sibling"),
            ("other", "其他", "Other"),
        ],
        Kind::Area => &[("urban", "城市", "Urban"), ("rural", "农村", "Rural")],
        Kind::Action => &[
            ("agency_query", "部门数据查询", "Agency query"),
            ("report_view", "查看报告", "Report viewed"),
            ("review_decision", "审核决定", "Review decision"),
            ("consent_revocation", "撤销授权", "Consent revoked"),
            ("authorization_failure", "越权访问被拒", "Access refused"),
        ],
        Kind::Role => &[
            ("system", "系统", "system"),
            ("intake", "受理系统", "intake"),
            ("officer", "核对员", "officer"),
            ("auditor", "审计员", "auditor"),
            ("admin", "管理员", "admin"),
        ],
        Kind::Outcome => &[
            ("authorized", "已授权查询", "Authorized"),
            ("refused_no_consent", "无授权，已拒绝", "Refused: no consent"),
            ("refused_consent_revoked", "授权已撤销，已拒绝", "Refused: consent revoked"),
            ("viewed", "已查看", "Viewed"),
            ("out_of_scope", "不在辖区，已拒绝", "Refused: outside the region"),
            ("decided:approve", "批准", "Approved"),
            ("decided:reject", "不予批准", "Rejected"),
            ("decided:return", "退回", "Returned"),
            ("revoked", "已撤销", "Revoked"),
        ],
    }
}

/// Defines [`Labels`] and its two instances from one list, so both languages stay aligned.
macro_rules! labels {
    ($($field:ident: $zh:literal, $en:literal;)*) => {
        /// Every fixed text of the pages, in one language.
        pub struct Labels { $(pub $field: &'static str,)* }
        static ZH: Labels = Labels { $($field: $zh,)* };
        static EN: Labels = Labels { $($field: $en,)* };
    };
}

labels! {
    hub_name: "家庭经济状况核对平台", "Household Economic Status Verification Hub";
    hub_subtitle: "社会救助 · 逢救必核", "Social assistance: every application checked";
    switch_label: "English", "中文";
    skip_to_content: "跳到正文", "Skip to content";
    nav_label: "主导航", "Main navigation";
    nav_applications: "申请列表", "Applications";
    signed_in_as: "核对员：", "Officer:";
    sign_out: "退出登录", "Sign out";
    application_id: "申请编号", "Application ID";
    printed_at: "打印时间", "Printed at";
    printed_by: "打印人", "Printed by";
    generated_at: "页面生成于", "Page generated at";
    footer_privacy: "本页含个人信息，仅限核对工作使用；每次查看均记入审计日志。", "This page holds personal data for verification work only; every view is audited.";
    title_login: "登录", "Sign in";
    title_list: "申请列表", "Applications";
    title_report: "核对报告", "Verification report";
    title_audit: "审计记录", "Audit trail";
    login_title: "核对员登录", "Officer sign-in";
    login_intro: "请粘贴身份认证系统签发的访问令牌（JWT）。登录状态在令牌到期时失效。", "Paste the access token (JWT) issued by your identity provider. The session ends when the token expires.";
    login_token: "访问令牌", "Access token";
    login_token_help: "开发环境可用以下命令生成：", "In development, mint one with:";
    login_submit: "登录", "Sign in";
    login_invalid: "令牌无效或已过期，请重新获取。", "The token is invalid or has expired; get a new one.";
    login_role: "只有核对员和管理员可以登录本系统。", "Only officers and administrators may sign in here.";
    list_title: "核对申请列表", "Verification applications";
    list_scope: "辖区：", "Your regions:";
    scope_all: "全部", "all";
    filters: "筛选条件", "Filters";
    field_status: "状态", "Status";
    field_verdict: "核对结论", "Verdict";
    field_program: "救助项目", "Programme";
    field_region: "行政区划代码", "Region code";
    field_from: "提交日期从", "Submitted from";
    field_to: "提交日期至", "Submitted to";
    any: "全部", "Any";
    filter_apply: "筛选", "Apply";
    filter_clear: "清除筛选", "Clear";
    filter_bad_region: "行政区划代码应为 1 至 6 位数字，已忽略。", "The region code must be 1 to 6 digits; ignored.";
    filter_bad_date: "日期格式应为 2026-11-24，已忽略。", "Dates look like 2026-11-24; ignored.";
    list_empty: "没有符合条件的申请。", "No applications match.";
    list_caption: "核对申请（最新在前）", "Applications, newest first";
    page: "第", "Page";
    page_prev: "上一页", "Previous";
    page_next: "下一页", "Next";
    pagination: "分页", "Pagination";
    col_applicant: "申请人身份证号", "Applicant ID";
    col_program: "救助项目", "Programme";
    col_region: "行政区划", "Region";
    col_verdict: "核对结论", "Verdict";
    col_submitted: "提交时间", "Submitted";
    col_open: "操作", "Action";
    open_report: "查看报告", "Open report";
    report_title: "家庭经济状况核对报告", "Household economic status report";
    audit_link: "审计记录", "Audit trail";
    print: "打印", "Print";
    print_hint: "可直接打印本页（A4）。", "This page prints on A4.";
    completed_at: "完成时间", "Completed";
    pending_queued: "该申请正在排队，核对完成后本页自动刷新。", "Queued: this page refreshes until the check is done.";
    pending_running: "正在向各部门查询，核对完成后本页自动刷新。", "The agencies are being queried; this page refreshes until the check is done.";
    pending_failed: "核对未能完成：", "The check could not be completed:";
    erased_notice: "该申请的个人信息（姓名、身份证号码、申请原文）已于以下日期按保存期限删除；下列为脱敏后的核对结果：",
        "This application's personal data (names, ID numbers, the body as sent) was erased after its retention period on the date below; what follows is the masked result:";
    verdict: "核对结论：", "Verdict:";
    category: "类别", "Category";
    suggested_benefit: "建议救助金额", "Suggested benefit";
    per_month: "/月", "a month";
    approval_level: "审批层级", "Approval level";
    advance_relief: "已先行救助", "Advance relief granted";
    grace_months: "渐退期（月）", "Grace period (months)";
    recheck_due: "下次复核日期", "Re-check due";
    as_of: "核对基准日", "As of";
    yes: "是", "yes";
    no: "否", "no";
    none: "无", "None";
    figures_heading: "家庭收入与财产计算", "Household income and assets";
    fig_household_size: "家庭人口（n）", "Household members (n)";
    fig_standard: "低保标准（S，元/月）", "Dibao standard (S, yuan a month)";
    fig_gross: "成员月收入合计", "Members' monthly income, total";
    fig_rigid: "刚性支出合计", "Rigid expenses, total";
    fig_total: "家庭月收入（T）", "Household monthly income (T)";
    fig_per_capita: "人均月收入（P = T ÷ n）", "Per-capita monthly income (P = T ÷ n)";
    fig_assets: "金融资产合计（F）", "Financial assets (F)";
    fig_assets_per_capita: "人均金融资产（F ÷ n）", "Financial assets per person (F ÷ n)";
    fig_residential: "住宅套数", "Residential properties";
    fig_non_residential: "非住宅房产", "Non-residential properties";
    household_heading: "家庭成员", "Household members";
    household_note: "月收入 = max(纳税月均, 公积金推算工资)；公积金余额仅供参考，不计入金融资产。", "Monthly income = max(taxed monthly, housing-fund wage); the housing-fund balance is shown, not counted.";
    col_member: "成员身份证号", "Member ID";
    col_relation: "关系", "Relation";
    col_age: "年龄", "Age";
    col_labor: "劳动能力", "Able to work";
    col_declared: "申报月收入", "Declared monthly";
    col_tax_monthly: "纳税月均", "Taxed monthly";
    col_hf_wage: "公积金推算工资", "Housing-fund wage";
    col_income: "核定月收入", "Monthly income";
    col_assets: "金融资产", "Financial assets";
    col_hf_balance: "公积金余额", "Housing-fund balance";
    sources_heading: "各部门数据来源", "Agency sources per member";
    cached_at: "缓存，取得于", "cached, fetched";
    fetched_at: "取得于", "fetched";
    under_consent: "授权", "consent";
    rules_heading: "规则核算过程", "Rule trace";
    col_rule: "规则", "Rule";
    col_outcome: "结果", "Outcome";
    col_detail: "计算明细", "Arithmetic";
    flags_heading: "提示", "Flags";
    missing_heading: "缺失数据", "Missing data";
    missing_none: "无缺失数据。", "No data missing.";
    col_agency: "部门", "Agency";
    col_cause: "原因", "Cause";
    consents_heading: "授权书", "Consents";
    consents_none: "申请未附授权书。", "The application carried no consent.";
    col_consent: "授权编号", "Consent";
    col_agencies: "授权部门", "Agencies";
    col_purpose: "用途", "Purpose";
    col_signed: "签署时间", "Signed";
    col_expires: "有效期至", "Expires";
    col_evidence: "凭证", "Evidence";
    col_used: "本次使用", "Used here";
    policy_version: "政策参数版本", "Policy version";
    policy_name: "适用政策", "Policy applied";
    policy_view: "查看参数", "View the parameters";
    title_policy: "政策参数", "Policy parameters";
    policy_bad_query: "请提供 6 位行政区划代码，核对基准日格式如 2026-11-24。", "Give a 6-digit region code and a date such as 2026-11-24.";
    policy_reloaded: "政策参数已在报告生成后重新加载，本页为当前在用的参数；报告所用版本为", "The parameters were reloaded after the report was made; this page shows those in force now. The report used version";
    policy_note: "每项参数依次取自 default.toml、其中生效日期不晚于核对基准日的变更、所在地区的参数文件及其变更，后者优先。", "Each value comes from default.toml, its changes in effect on the date, then the region's file and its changes; later ones win.";
    col_parameter: "参数", "Parameter";
    col_value: "取值", "Value";
    col_policy_file: "来源文件", "File";
    col_effective_from: "变更生效日期", "Change effective from";
    reasons_heading: "主要理由", "Deciding reasons";
    reviews_heading: "审核意见", "Review decisions";
    reviews_none: "尚无审核意见。", "No decision yet.";
    col_decided_at: "时间", "When";
    col_officer: "核对员", "Officer";
    col_decision: "审核决定", "Decision";
    col_note: "审核意见", "Note";
    decide_heading: "录入审核决定", "Record a decision";
    decide_submit: "提交审核决定", "Record decision";
    required: "必填", "required";
    decided_notice: "本申请已有审核决定，只能先退回后再重新决定。", "This application is decided; it can only be returned before it is decided again.";
    review_bad_decision: "请选择审核决定。", "Choose a decision.";
    review_note_required: "请填写审核意见（1 至 2000 字）。", "Write a note (1 to 2000 characters).";
    review_not_completed: "核对尚未完成，暂不能审核。", "The check is not complete yet; it cannot be decided.";
    review_already_decided: "本申请已有审核决定，请先退回后再重新决定。", "The application is already decided; return it before deciding again.";
    audit_title: "审计记录", "Audit trail";
    audit_intro: "谁在何时、依据哪份授权查询了哪位成员的哪类数据，以及谁查看了报告。", "Who queried which member's data at which agency, under which consent, and who viewed the report.";
    audit_none: "暂无审计记录。", "No audit rows yet.";
    back_to_report: "返回报告", "Back to the report";
    col_time: "时间", "Time";
    col_actor: "操作人", "Actor";
    col_action: "操作", "Action";
    error_title: "出错了", "Error";
    not_found_title: "未找到", "Not found";
    not_found_body: "没有找到该申请，或您无权查看（仅限本辖区的申请）。", "No such application, or it is outside your regions.";
    csrf_title: "请求被拒绝", "Request refused";
    csrf_body: "表单已失效或来源不明（缺少有效的安全令牌）。请返回页面刷新后重试。", "The form expired or did not come from this site (no valid security token). Go back, reload and try again.";
    forbidden_title: "无权访问", "Forbidden";
    too_many_body: "请求过于频繁，请稍后再试。", "Too many requests; try again shortly.";
    back_to_list: "返回申请列表", "Back to the applications";
    back_to_login: "返回登录", "Back to sign-in";
}
