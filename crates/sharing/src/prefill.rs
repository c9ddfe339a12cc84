//! Roles and prefill (自动填充): which form fields shared data can fill, and their values.
//!
//! A data element `role.field` names a subject by its role in the application: the
//! applicant (`person`), the newborn's parents (`mother`, `father`) or the enterprise.
//! The applicant's ID number comes from the logged-in account; the parents are the
//! applicant and the spouse recorded by the marriage source, told apart by the sex
//! digit of their ID numbers (GB 11643).

use std::collections::BTreeSet;

use ids::{CreditCode, IdNumber, Sex};
use serde::Serialize;

use crate::registry::{Registry, SubjectKind};

/// The attribute of the marriage source holding the spouse's ID number.
pub const SPOUSE_ATTRIBUTE: &str = "spouse_id_number";

/// The `source` of a prefilled value taken from the applicant's own account
/// (the applicant's ID number, when the applicant is the mother or father).
pub const ACCOUNT_SOURCE: &str = "account";

/// The role a data element's subject plays in an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// `person.*`: the person applying (or the enterprise's 经办人).
    Applicant,
    /// `mother.*`.
    Mother,
    /// `father.*`.
    Father,
    /// `enterprise.*`.
    Enterprise,
}

impl Role {
    /// The element prefix: `person`, `mother`, `father` or `enterprise`.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Applicant => "person",
            Self::Mother => "mother",
            Self::Father => "father",
            Self::Enterprise => "enterprise",
        }
    }

    /// The kind of subject playing this role.
    pub fn kind(self) -> SubjectKind {
        match self {
            Self::Enterprise => SubjectKind::Enterprise,
            _ => SubjectKind::Person,
        }
    }
}

/// The role and attribute a data element refers to: `"mother.id_number"` ->
/// `(Mother, "id_number")`. Other prefixes (e.g. `child.`) are no role of shared data.
pub fn binding(element: &str) -> Option<(Role, String)> {
    let (prefix, attribute) = element.split_once('.')?;
    if attribute.is_empty() || attribute.contains('.') {
        return None;
    }
    let role = match prefix {
        "person" => Role::Applicant,
        "mother" => Role::Mother,
        "father" => Role::Father,
        "enterprise" => Role::Enterprise,
        _ => return None,
    };
    Some((role, attribute.to_owned()))
}

/// One form field shared data can fill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fetch {
    /// The data element, e.g. `mother.name`.
    pub element: String,
    /// Whose attribute it is.
    pub role: Role,
    /// The source to ask.
    pub source: String,
    /// The attribute to ask for. For `mother.id_number`/`father.id_number` it is
    /// [`SPOUSE_ATTRIBUTE`]: the other parent's ID number comes from the applicant's
    /// marriage record (the applicant's own comes from the account).
    pub attribute: String,
}

/// What shared data can fill in one form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PrefillPlan {
    /// The fillable elements, in form order; elements nobody serves are absent.
    pub fetches: Vec<Fetch>,
    /// Whether the parents are asked for, so the applicant's spouse must be found.
    pub needs_spouse: bool,
    /// The source serving [`SPOUSE_ATTRIBUTE`], when the spouse is needed and a
    /// source serves it.
    pub spouse_source: Option<String>,
}

impl PrefillPlan {
    /// The distinct sources the plan reads (including the spouse source), in first-use order:
    /// the records a server pre-loads for the applicant, and, once the spouse is known, for the spouse.
    pub fn sources(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.spouse_source
            .iter()
            .map(String::as_str)
            .chain(self.fetches.iter().map(|fetch| fetch.source.as_str()))
            .filter(|source| seen.insert(*source))
            .collect()
    }
}

/// For the elements of a form, which can be fetched from which source.
///
/// The subject keys are never fetched: `person.id_number` and `enterprise.uscc` come
/// from the account. `mother.id_number`/`father.id_number` are listed as a fetch of the
/// spouse source's [`SPOUSE_ATTRIBUTE`] (see [`Fetch::attribute`]). Elements of other
/// prefixes, repeated elements and elements nobody serves are absent.
pub fn plan_prefill(registry: &Registry, elements: &[&str]) -> PrefillPlan {
    let mut plan = PrefillPlan::default();
    let spouse_source = registry
        .serving(SubjectKind::Person, SPOUSE_ATTRIBUTE)
        .map(|source| source.code.clone());
    let mut seen = BTreeSet::new();
    for element in elements {
        if !seen.insert(*element) {
            continue;
        }
        let Some((role, attribute)) = binding(element) else {
            continue;
        };
        let kind = role.kind();
        let is_parent = matches!(role, Role::Mother | Role::Father);
        if is_parent {
            plan.needs_spouse = true;
        }
        let (source, attribute) = if attribute == kind.key_name() {
            match (is_parent, &spouse_source) {
                (true, Some(source)) => (source.clone(), SPOUSE_ATTRIBUTE.to_owned()),
                _ => continue,
            }
        } else {
            match registry.serving(kind, &attribute) {
                Some(source) => (source.code.clone(), attribute),
                None => continue,
            }
        };
        plan.fetches.push(Fetch {
            element: (*element).to_owned(),
            role,
            source,
            attribute,
        });
    }
    if plan.needs_spouse {
        plan.spouse_source = spouse_source;
    }
    plan
}

/// Who the mother and father are: the applicant and the spouse, assigned by the sex
/// encoded in their ID numbers (GB 11643, 17th digit). With no spouse, a spouse of
/// the same sex, or a "spouse" equal to the applicant, only the applicant's own
/// parent role is resolved.
pub fn parents(applicant: &IdNumber, spouse: Option<&IdNumber>) -> (Option<IdNumber>, Option<IdNumber>) {
    let mut mother = None;
    let mut father = None;
    let mut assign = |person: &IdNumber| match person.sex() {
        Sex::Female => mother = Some(person.clone()),
        Sex::Male => father = Some(person.clone()),
    };
    assign(applicant);
    if let Some(spouse) = spouse
        && spouse.sex() != applicant.sex()
    {
        assign(spouse);
    }
    (mother, father)
}

/// One value filled from shared data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prefilled {
    /// The data element filled.
    pub element: String,
    /// The value, as the source holds it.
    pub value: String,
    /// The source it came from, or [`ACCOUNT_SOURCE`].
    pub source: String,
    /// The key of the record it was read from (ID number or credit code), for the access log.
    pub subject: String,
}

/// Resolves a plan into values.
///
/// `lookup(source, subject, attribute)` answers from pre-loaded records. It is asked
/// first for the applicant's spouse (`spouse_source`, applicant, [`SPOUSE_ATTRIBUTE`])
/// when the plan needs the spouse, then for the attributes of the applicant, of each
/// parent (by the parent's own ID number) and of `enterprise`. A server pre-loads the
/// applicant's records of [`PrefillPlan::sources`], reads the spouse, then pre-loads
/// the spouse's. Values missing or empty in `lookup` are left out, as are enterprise
/// fetches when `enterprise` is `None`, and a spouse ID number that does not parse.
pub fn prefill_values(
    plan: &PrefillPlan,
    applicant: &IdNumber,
    enterprise: Option<&CreditCode>,
    lookup: &dyn Fn(&str, &str, &str) -> Option<String>,
) -> Vec<Prefilled> {
    let spouse = match (&plan.needs_spouse, &plan.spouse_source) {
        (true, Some(source)) => lookup(source, applicant.as_str(), SPOUSE_ATTRIBUTE)
            .and_then(|text| IdNumber::parse(text.trim()).ok())
            .filter(|spouse| spouse != applicant),
        _ => None,
    };
    let (mother, father) = parents(applicant, spouse.as_ref());
    let mut filled = Vec::new();
    for fetch in &plan.fetches {
        let subject = match fetch.role {
            Role::Applicant => applicant.as_str(),
            Role::Enterprise => match enterprise {
                Some(code) => code.as_str(),
                None => continue,
            },
            Role::Mother | Role::Father => {
                let parent = if fetch.role == Role::Mother { &mother } else { &father };
                let Some(parent) = parent else { continue };
                let is_key = binding(&fetch.element).is_some_and(|(_, a)| a == SubjectKind::Person.key_name());
                if is_key {
                    // The applicant's own number comes from the account; the spouse's
                    // was read from the applicant's marriage record.
                    let source = if parent == applicant {
                        ACCOUNT_SOURCE.to_owned()
                    } else {
                        fetch.source.clone()
                    };
                    filled.push(Prefilled {
                        element: fetch.element.clone(),
                        value: parent.as_str().to_owned(),
                        source,
                        subject: applicant.as_str().to_owned(),
                    });
                    continue;
                }
                parent.as_str()
            }
        };
        if let Some(value) = lookup(&fetch.source, subject, &fetch.attribute).filter(|v| !v.trim().is_empty()) {
            filled.push(Prefilled {
                element: fetch.element.clone(),
                value,
                source: fetch.source.clone(),
                subject: subject.to_owned(),
            });
        }
    }
    filled
}
