//! Groups of one-things (一类事): the one-things a person or an enterprise meets around
//! one life or enterprise stage (企业准入准营, 出生—入学), taken together.
//!
//! A group adds no rule of its own: [`group_plan`] computes each member's fullest plan
//! (the answers under which the most items apply) and compares them. What two or more
//! members ask for — materials, form fields, departments, items — is asked or done once
//! when they are taken together; time and visits stay those of the members, which a
//! person may well take years apart.

use std::collections::{BTreeMap, BTreeSet};

use calendar::Calendar;
use chrono::NaiveDate;
use serde::Serialize;

use crate::example::fullest_plan;
use crate::model::{Catalog, Group};
use crate::plan::{FieldSource, Plan, PlanError};

/// A group's figures: every item done alone, the members as separate one-things, and
/// the members taken together (what they share asked once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GroupFigure {
    pub alone: u32,
    pub separately: u32,
    pub together: u32,
}

impl GroupFigure {
    /// What taking the members together saves over taking them one by one.
    pub fn saved_together(self) -> u32 {
        self.separately.saturating_sub(self.together)
    }
}

/// The combined 四减 of a group, and the items done once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GroupSavings {
    /// Items to do: each member's applicable items summed vs. distinct items.
    pub items: GroupFigure,
    /// Materials handed in: together, each distinct material still needed once.
    pub materials: GroupFigure,
    /// Form fields typed: together, each distinct field the applicant types once.
    pub fields: GroupFigure,
    /// Working days: the members' critical paths summed (not shortened together).
    pub days: GroupFigure,
    /// On-site visits: the members' visits summed (not shortened together).
    pub visits: GroupFigure,
    /// Steps: the members' steps summed (not shortened together).
    pub steps: GroupFigure,
}

/// One member as the group shows it.
#[derive(Clone, Debug, Serialize)]
pub struct GroupMember {
    pub id: String,
    pub name: String,
    pub lead_name: String,
    pub summary: String,
    /// Items that apply in the member's fullest situation.
    pub items: usize,
    pub critical_path_days: u32,
}

/// Something two or more members ask for or involve, named once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shared {
    pub id: String,
    pub name: String,
    /// The ids of the members that ask for it, in the group's order.
    pub one_things: Vec<String>,
}

/// A group taken together.
#[derive(Clone, Debug, Serialize)]
pub struct GroupPlan {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub members: Vec<GroupMember>,
    pub shared_departments: Vec<Shared>,
    pub shared_materials: Vec<Shared>,
    pub shared_fields: Vec<Shared>,
    pub shared_items: Vec<Shared>,
    pub savings: GroupSavings,
}

/// Computes the group from each member's fullest plan as of `start`.
pub fn group_plan(
    catalog: &Catalog,
    group: &Group,
    start: NaiveDate,
    calendar: &Calendar,
) -> Result<GroupPlan, PlanError> {
    let mut plans: Vec<Plan> = Vec::with_capacity(group.members.len());
    let mut members = Vec::with_capacity(group.members.len());
    for id in &group.members {
        let Some(one_thing) = catalog.one_things.get(id) else {
            continue;
        };
        let plan = fullest_plan(catalog, one_thing, start, calendar)?;
        members.push(GroupMember {
            id: id.to_string(),
            name: one_thing.name.clone(),
            lead_name: catalog.department_name(&one_thing.lead).to_owned(),
            summary: one_thing.summary.clone(),
            items: plan.items.len(),
            critical_path_days: plan.critical_path_days,
        });
        plans.push(plan);
    }

    // Who asks for what: id → (name, members in order).
    let mut departments = Usage::default();
    let mut materials = Usage::default();
    let mut fields = Usage::default();
    let mut items = Usage::default();
    let mut needed_materials = BTreeSet::new();
    let mut typed_fields = BTreeSet::new();
    for plan in &plans {
        for item in &plan.items {
            items.add(item.code.as_str(), &item.name, &plan.one_thing);
            departments.add(&item.department, &item.department_name, &plan.one_thing);
        }
        for material in &plan.materials {
            materials.add(&material.id, &material.name, &plan.one_thing);
            if material.is_needed() {
                needed_materials.insert(material.id.as_str());
            }
        }
        for field in plan.form.iter().flat_map(|group| &group.fields) {
            fields.add(&field.element, &field.name, &plan.one_thing);
            if field.source == FieldSource::Applicant {
                typed_fields.insert(field.element.as_str());
            }
        }
    }

    let sum = |figure: fn(&Plan) -> (u32, u32)| -> (u32, u32) {
        plans.iter().map(figure).fold((0, 0), |(a, b), (x, y)| (a + x, b + y))
    };
    let unchanged = |(alone, separately): (u32, u32)| GroupFigure {
        alone,
        separately,
        together: separately,
    };
    let (materials_alone, materials_separately) = sum(|p| (p.savings.materials.alone, p.savings.materials.one_thing));
    let (fields_alone, fields_separately) = sum(|p| (p.savings.fields.alone, p.savings.fields.one_thing));
    let item_count = count(plans.iter().map(|p| p.items.len()).sum());
    let savings = GroupSavings {
        items: GroupFigure {
            alone: item_count,
            separately: item_count,
            together: count(items.by_id.len()),
        },
        materials: GroupFigure {
            alone: materials_alone,
            separately: materials_separately,
            together: count(needed_materials.len()),
        },
        fields: GroupFigure {
            alone: fields_alone,
            separately: fields_separately,
            together: count(typed_fields.len()),
        },
        days: unchanged(sum(|p| (p.savings.days.alone, p.savings.days.one_thing))),
        visits: unchanged(sum(|p| (p.savings.visits.alone, p.savings.visits.one_thing))),
        steps: unchanged(sum(|p| (p.savings.steps.alone, p.savings.steps.one_thing))),
    };

    Ok(GroupPlan {
        id: group.id.clone(),
        name: group.name.clone(),
        summary: group.summary.clone(),
        members,
        shared_departments: departments.shared(),
        shared_materials: materials.shared(),
        shared_fields: fields.shared(),
        shared_items: items.shared(),
        savings,
    })
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Which members use each thing, in the order things are first met.
#[derive(Default)]
struct Usage {
    order: Vec<String>,
    by_id: BTreeMap<String, (String, Vec<String>)>,
}

impl Usage {
    fn add(&mut self, id: &str, name: &str, one_thing: &str) {
        let entry = self.by_id.entry(id.to_owned()).or_insert_with(|| {
            self.order.push(id.to_owned());
            (name.to_owned(), Vec::new())
        });
        if !entry.1.iter().any(|member| member == one_thing) {
            entry.1.push(one_thing.to_owned());
        }
    }

    /// The things two or more members use.
    fn shared(&self) -> Vec<Shared> {
        self.order
            .iter()
            .filter_map(|id| {
                let (name, one_things) = self.by_id.get(id)?;
                (one_things.len() > 1).then(|| Shared {
                    id: id.clone(),
                    name: name.clone(),
                    one_things: one_things.clone(),
                })
            })
            .collect()
    }
}
