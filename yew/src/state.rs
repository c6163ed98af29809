//! The UI's state as a reducer: which view shows, and the panel's unsaved toggles.
//!
//! Choices themselves are never made here: buttons call the public API, and the core's
//! `optin:change` event comes back as `Action::Chosen`. So a choice made from the page's own code
//! closes the banner the same way a click does.

use std::rc::Rc;

use optin_core::consent::{accepted_with, Access};
use yew::Reducible;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Hidden,
    Banner,
    Preferences,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The visitor must choose (first visit, new revision, expiry, `optin.show()`).
    ShowBanner,
    /// Open the panel, starting from the current grants.
    OpenPreferences(Access),
    /// The switches start from these grants, whatever shows (a panel that is always open, on a
    /// settings page of a Yew app, after each change of choice).
    Load(Access),
    /// Switch a category, and with it all its services.
    Toggle(String),
    /// Switch one service; its category is on exactly when all its services are.
    ToggleService(String, String),
    /// Close the panel without recording anything (Escape, close button).
    Close,
    /// A choice was recorded: nothing needs to show any more.
    Chosen,
    Hide,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UiState {
    pub view: View,
    /// The panel's switches: every category and service.
    pub choices: Access,
    /// The panel was opened from the banner, so closing it goes back to the banner: the visitor
    /// has still not chosen.
    pub from_banner: bool,
}

impl Default for UiState {
    fn default() -> Self {
        UiState {
            view: View::Hidden,
            choices: Access::default(),
            from_banner: false,
        }
    }
}

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::ShowBanner => next.view = View::Banner,
            Action::OpenPreferences(choices) => {
                next.from_banner = self.view == View::Banner;
                next.choices = choices;
                next.view = View::Preferences;
            }
            Action::Load(choices) => next.choices = choices,
            Action::Toggle(id) => {
                let c = &mut next.choices;
                if let Some((_, on)) = c.categories.iter_mut().find(|(k, _)| *k == id) {
                    *on = !*on;
                    let on = *on;
                    if let Some((_, services)) = c.services.iter_mut().find(|(k, _)| *k == id) {
                        services.iter_mut().for_each(|(_, s)| *s = on);
                    }
                }
            }
            Action::ToggleService(category, service) => {
                let c = &mut next.choices;
                if let Some((_, services)) = c.services.iter_mut().find(|(k, _)| *k == category) {
                    if let Some((_, on)) = services.iter_mut().find(|(k, _)| *k == service) {
                        *on = !*on;
                    }
                    let all = services.iter().all(|(_, on)| *on);
                    if let Some((_, on)) = c.categories.iter_mut().find(|(k, _)| *k == category) {
                        *on = all;
                    }
                }
            }
            Action::Close => {
                next.view = if self.from_banner && self.view == View::Preferences {
                    View::Banner
                } else {
                    View::Hidden
                };
                next.from_banner = false;
            }
            Action::Chosen | Action::Hide => {
                next.view = View::Hidden;
                next.from_banner = false;
            }
        }
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

impl UiState {
    /// What the panel's switches grant, as an `optin.accept()` list: categories that are on,
    /// and `category/service` for single services of the others.
    pub fn accepted(&self) -> Vec<String> {
        accepted_with(&self.choices, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(state: UiState, actions: Vec<Action>) -> UiState {
        actions
            .into_iter()
            .fold(Rc::new(state), |s, a| s.reduce(a))
            .as_ref()
            .clone()
    }

    fn grants(pairs: &[(&str, bool)]) -> Access {
        Access {
            categories: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            services: vec![(
                "s".to_string(),
                vec![("x".to_string(), false), ("y".to_string(), false)],
            )],
            chosen: true,
        }
    }

    #[test]
    fn panel_from_banner_closes_back_to_banner() {
        let s = reduce(
            UiState::default(),
            vec![
                Action::ShowBanner,
                Action::OpenPreferences(grants(&[("a", false)])),
                Action::Close,
            ],
        );
        assert_eq!(s.view, View::Banner);
    }

    #[test]
    fn panel_opened_later_closes_to_nothing() {
        let s = reduce(
            UiState::default(),
            vec![Action::OpenPreferences(grants(&[])), Action::Close],
        );
        assert_eq!(s.view, View::Hidden);
    }

    #[test]
    fn toggles_change_only_known_categories() {
        let s = reduce(
            UiState::default(),
            vec![
                Action::OpenPreferences(grants(&[("a", false), ("b", true)])),
                Action::Toggle("a".into()),
                Action::Toggle("b".into()),
                Action::Toggle("zzz".into()),
            ],
        );
        assert_eq!(s.accepted(), ["a"]);
        assert_eq!(s.choices.categories.len(), 2);
    }

    #[test]
    fn services_switch_with_their_category_and_one_by_one() {
        let start = grants(&[("s", false)]);
        let one = reduce(
            UiState::default(),
            vec![
                Action::OpenPreferences(start.clone()),
                Action::ToggleService("s".into(), "x".into()),
            ],
        );
        assert_eq!(one.accepted(), ["s/x"]);
        let both = reduce(
            one.clone(),
            vec![Action::ToggleService("s".into(), "y".into())],
        );
        assert_eq!(
            both.accepted(),
            ["s"],
            "all services on: the category is on"
        );
        let off = reduce(both, vec![Action::Toggle("s".into())]);
        assert!(off.accepted().is_empty());
        assert_eq!(off.choices.service("s", "x"), Some(false));
    }

    #[test]
    fn load_sets_the_switches_and_shows_nothing() {
        let s = reduce(
            UiState::default(),
            vec![
                Action::Load(grants(&[("a", true)])),
                Action::Toggle("a".into()),
            ],
        );
        assert_eq!(s.view, View::Hidden);
        assert!(s.accepted().is_empty());
        assert_eq!(s.choices.categories.len(), 1);
    }

    #[test]
    fn a_choice_hides_everything() {
        let s = reduce(
            UiState::default(),
            vec![
                Action::ShowBanner,
                Action::OpenPreferences(grants(&[])),
                Action::Chosen,
            ],
        );
        assert_eq!(s.view, View::Hidden);
        assert!(!s.from_banner);
    }
}
