//! The gating decision: which gated elements may run under the current grants, in what order.
//!
//! Pure: the DOM side (`activate.rs`) describes each gated element as a `Gated` and brings to life
//! exactly the ones `plan` returns, in the order it returns them.

use crate::consent::lookup;

/// What a gated element asks for: `data-category="analytics"`, or `"!analytics"` for code that
/// must run only when that category is refused (clean-up after a withdrawal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub category: String,
    pub negated: bool,
}

impl Requirement {
    /// `None` for an empty attribute: such an element is never run.
    pub fn parse(attr: &str) -> Option<Requirement> {
        let attr = attr.trim();
        let (negated, category) = match attr.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, attr),
        };
        (!category.is_empty()).then(|| Requirement {
            category: category.to_owned(),
            negated,
        })
    }

    /// Unknown categories never allow anything, negated or not: a typo must not run code.
    pub fn allowed(&self, grants: &[(String, bool)]) -> bool {
        match lookup(grants, &self.category) {
            Some(on) => on != self.negated,
            None => false,
        }
    }
}

/// One gated element as the DOM walk found it, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gated {
    pub requirement: Option<Requirement>,
    /// An external script without `async`: later scripts wait for it, as the parser would.
    pub blocking: bool,
}

/// Indices of the elements to activate now, in document order.
pub fn plan(elements: &[Gated], grants: &[(String, bool)]) -> Vec<usize> {
    elements
        .iter()
        .enumerate()
        .filter(|(_, g)| g.requirement.as_ref().is_some_and(|r| r.allowed(grants)))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(pairs: &[(&str, bool)]) -> Vec<(String, bool)> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn gated(attr: &str) -> Gated {
        Gated {
            requirement: Requirement::parse(attr),
            blocking: true,
        }
    }

    #[test]
    fn parses_plain_and_negated() {
        assert_eq!(
            Requirement::parse(" !analytics "),
            Some(Requirement {
                category: "analytics".into(),
                negated: true
            })
        );
        assert_eq!(Requirement::parse("!"), None);
        assert_eq!(Requirement::parse(""), None);
    }

    #[test]
    fn plan_keeps_document_order_and_only_allowed() {
        let g = grants(&[("analytics", true), ("social", false)]);
        let els = [
            gated("social"),
            gated("analytics"),
            gated("!social"),
            gated("!analytics"),
            gated("typo"),
            gated("!typo"),
            gated(""),
            gated("analytics"),
        ];
        assert_eq!(plan(&els, &g), [1, 2, 7]);
        assert_eq!(plan(&els, &grants(&[])), Vec::<usize>::new());
    }
}
