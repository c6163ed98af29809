//! The gating decision: which gated elements may run or load under the current access, in what
//! order, and which must go back to blocked.
//!
//! Pure: the DOM side (`activate.rs`) describes each gated element as a `Gated`, element by
//! element in document order, and applies the `Step` that `step` returns for it.

use crate::consent::Access;

/// What a gated element asks for: `data-category="analytics"` (or `"!analytics"`, for code that
/// must run only while that category is refused), optionally narrowed to one service with
/// `data-service="ga"` (or `"!ga"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub category: String,
    pub negated: bool,
    pub service: Option<(String, bool)>,
}

fn split_negation(attr: &str) -> Option<(String, bool)> {
    let attr = attr.trim();
    let (negated, id) = match attr.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, attr),
    };
    (!id.is_empty()).then(|| (id.to_owned(), negated))
}

impl Requirement {
    /// From the `data-category` and `data-service` attributes. `None` for an empty category: such
    /// an element is never run.
    pub fn parse(category: &str, service: Option<&str>) -> Option<Requirement> {
        let (category, negated) = split_negation(category)?;
        Some(Requirement {
            category,
            negated,
            service: service.and_then(split_negation),
        })
    }

    /// Unknown categories and services never allow anything, negated or not: a typo must not
    /// run code. Negated (clean-up) code runs only on a refusal: not before the visitor chose.
    pub fn allowed(&self, access: &Access) -> bool {
        let (on, negated) = match &self.service {
            Some((service, negated)) => (access.service(&self.category, service), *negated),
            None => (access.category(&self.category), self.negated),
        };
        on.is_some_and(|on| if negated { access.chosen && !on } else { on })
    }

    /// Code that runs because something is granted (not clean-up code for a refusal).
    pub fn positive(&self) -> bool {
        !self.negated && !self.service.as_ref().is_some_and(|(_, negated)| *negated)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Runs once per page: it cannot be unloaded. `inline`: its code is its text (no `src` or
    /// `data-src`), which the HTML parser may still be adding to.
    Script { inline: bool },
    /// iframe: shows a placeholder while blocked, and goes back to it on withdrawal.
    Frame,
    /// img, video, audio, stylesheet link: loads once allowed.
    Media,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// As the page or the site's code wrote it: not looked at yet.
    New,
    /// Blocked, with its placeholder (frames only).
    Blocked,
    /// Queued or run (scripts), loaded (embeds).
    Live,
}

/// One gated element as the DOM walk found it, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gated {
    pub requirement: Option<Requirement>,
    pub kind: Kind,
    pub state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Run (scripts) or load (embeds) the element.
    Activate,
    /// Show the element's placeholder instead of it (a frame not allowed, or withdrawn).
    Block,
    /// Stop the walk here: an allowed inline script while the page is still being parsed may
    /// not have all its text yet (the parser adds it as the network delivers it). The walk at the
    /// end of parsing takes it and everything after it, so document order holds.
    WaitForParser,
}

/// What to do with one element under `access`, if anything. The walk asks element by element,
/// in document order; `parsing` says the HTML parser has not finished the page. Scripts that ran
/// stay as they are: a withdrawal that concerns them is handled by reloading the page.
pub fn step(g: &Gated, access: &Access, parsing: bool) -> Option<Step> {
    let allowed = g.requirement.as_ref().is_some_and(|r| r.allowed(access));
    match (g.kind, g.state, allowed) {
        (Kind::Script { inline: true }, State::New, true) if parsing => Some(Step::WaitForParser),
        (_, State::New | State::Blocked, true) => Some(Step::Activate),
        (Kind::Frame, State::New | State::Live, false) => Some(Step::Block),
        _ => None,
    }
}

/// Whether a script that ran (`Live`) has lost its grant: the page must reload to be rid of it.
pub fn ran_but_withdrawn(elements: &[Gated], access: &Access) -> bool {
    elements.iter().any(|g| {
        matches!(g.kind, Kind::Script { .. })
            && g.state == State::Live
            && g.requirement
                .as_ref()
                .is_some_and(|r| r.positive() && !r.allowed(access))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::consent::access_after;

    /// The steps for a whole page once parsed, with each element's index.
    fn plan(elements: &[Gated], access: &Access) -> Vec<(usize, Step)> {
        elements
            .iter()
            .enumerate()
            .filter_map(|(i, g)| Some((i, step(g, access, false)?)))
            .collect()
    }

    fn access(accepted: &[&str]) -> Access {
        let config = Config::parse(
            r#"{"categories":[{"id":"necessary","required":true},
                {"id":"analytics","services":[{"id":"ga"},{"id":"hotjar"}]},{"id":"social"}]}"#,
        )
        .unwrap()
        .config;
        access_after(&config, accepted)
    }

    fn el(category: &str, service: Option<&str>, kind: Kind, state: State) -> Gated {
        Gated {
            requirement: Requirement::parse(category, service),
            kind,
            state,
        }
    }

    fn script(category: &str) -> Gated {
        el(category, None, Kind::Script { inline: false }, State::New)
    }

    #[test]
    fn parses_plain_and_negated_categories_and_services() {
        let r = Requirement::parse(" !analytics ", Some("!ga")).unwrap();
        assert_eq!((r.category.as_str(), r.negated), ("analytics", true));
        assert_eq!(r.service, Some(("ga".into(), true)));
        assert!(!r.positive());
        assert_eq!(Requirement::parse("!", None), None);
        assert_eq!(Requirement::parse("a", Some(" ")).unwrap().service, None);
    }

    #[test]
    fn plan_keeps_document_order_and_only_what_is_allowed() {
        let a = access(&["analytics"]);
        let els = [
            script("social"),
            script("analytics"),
            script("!social"),
            script("!analytics"),
            script("typo"),
            script("!typo"),
            script(""),
            script("necessary"),
        ];
        assert_eq!(
            plan(&els, &a),
            [
                (1, Step::Activate),
                (2, Step::Activate),
                (7, Step::Activate)
            ]
        );
    }

    #[test]
    fn clean_up_code_waits_for_a_refusal() {
        let mut undecided = access(&[]);
        undecided.chosen = false;
        assert_eq!(plan(&[script("!analytics")], &undecided), []);
        assert_eq!(
            plan(&[script("!analytics")], &access(&[])),
            [(0, Step::Activate)]
        );
    }

    #[test]
    fn services_narrow_a_category() {
        let a = access(&["analytics/ga"]);
        let kind = Kind::Script { inline: true };
        let els = [
            el("analytics", Some("ga"), kind, State::New),
            el("analytics", Some("hotjar"), kind, State::New),
            el("analytics", None, kind, State::New),
            el("analytics", Some("!hotjar"), kind, State::New),
            el("analytics", Some("nope"), kind, State::New),
        ];
        assert_eq!(plan(&els, &a), [(0, Step::Activate), (3, Step::Activate)]);
        let all = access(&["analytics"]);
        assert_eq!(
            plan(&els, &all).len(),
            3,
            "a granted category grants its services"
        );
    }

    #[test]
    fn inline_scripts_wait_for_the_parser_and_nothing_else_does() {
        let a = access(&["analytics", "social"]);
        let inline = el("analytics", None, Kind::Script { inline: true }, State::New);
        assert_eq!(step(&inline, &a, true), Some(Step::WaitForParser));
        assert_eq!(step(&inline, &a, false), Some(Step::Activate));
        assert_eq!(step(&script("analytics"), &a, true), Some(Step::Activate));
        let frame = el("social", None, Kind::Frame, State::New);
        assert_eq!(step(&frame, &a, true), Some(Step::Activate));
        let refused = el("social", None, Kind::Script { inline: true }, State::New);
        assert_eq!(
            step(&refused, &access(&["analytics"]), true),
            None,
            "nothing to wait for"
        );
        let queued = el(
            "analytics",
            None,
            Kind::Script { inline: true },
            State::Live,
        );
        assert_eq!(step(&queued, &a, true), None, "already taken whole");
    }

    #[test]
    fn frames_block_until_allowed_and_go_back_on_withdrawal() {
        let frame = |state| el("social", None, Kind::Frame, state);
        let granted = access(&["social"]);
        let refused = access(&[]);
        assert_eq!(plan(&[frame(State::New)], &refused), [(0, Step::Block)]);
        assert_eq!(plan(&[frame(State::Blocked)], &refused), []);
        assert_eq!(
            plan(&[frame(State::Blocked)], &granted),
            [(0, Step::Activate)]
        );
        assert_eq!(plan(&[frame(State::Live)], &granted), []);
        assert_eq!(plan(&[frame(State::Live)], &refused), [(0, Step::Block)]);
        let media = el("social", None, Kind::Media, State::Live);
        assert_eq!(plan(&[media], &refused), [], "an image cannot be unloaded");
    }

    #[test]
    fn only_a_withdrawn_script_that_ran_needs_a_reload() {
        let ran = |cat: &str| el(cat, None, Kind::Script { inline: false }, State::Live);
        let refused = access(&[]);
        assert!(ran_but_withdrawn(&[ran("analytics")], &refused));
        assert!(!ran_but_withdrawn(
            &[ran("analytics")],
            &access(&["analytics"])
        ));
        assert!(
            !ran_but_withdrawn(&[ran("!analytics")], &access(&["analytics"])),
            "clean-up code"
        );
        assert!(
            !ran_but_withdrawn(&[script("analytics")], &refused),
            "never ran"
        );
    }
}
