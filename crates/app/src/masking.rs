//! Masking by one rule everywhere: what a role is shown of a person's data. The
//! JSON API, the pages and the certificate views all call these.

use catalog::Sensitivity;
use domain::Role;

/// The one masking rule: what `role` is shown of `element`'s `value`, and whether
/// it was masked. Supervisors and auditors oversee the work, not the person: they
/// see 敏感 and 高敏 values masked wherever the element appears (form, outputs).
/// Applicants see their own data; staff see only the elements of their items, in full.
pub fn shown_value(catalog: &catalog::Catalog, role: Role, element: &str, value: &str) -> (String, bool) {
    let sensitivity = catalog
        .elements
        .get(element)
        .map(|e| e.sensitivity)
        .unwrap_or(Sensitivity::HighlySensitive);
    if matches!(role, Role::Admin | Role::Auditor) && sensitivity >= Sensitivity::Sensitive {
        (mask(value), true)
    } else {
        (value.to_owned(), false)
    }
}

/// Masks a value for a role that does not need it: keeps the ends of ID numbers,
/// hides the middle of everything else.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let (head, tail) = match chars.len() {
        0..=2 => (0, 0),
        3..=6 => (1, 1),
        7..=11 => (3, 2),
        _ => (6, 4),
    };
    let hidden = chars.len() - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(chars[chars.len() - tail..].iter())
        .collect()
}

/// Keeps the family name: 王芳 → 王*.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}
