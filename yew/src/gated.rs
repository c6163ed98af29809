//! `<Gated>`: children that exist only while their category (or service) is granted, the Yew
//! counterpart of the page's `data-category` markup.

use yew::prelude::*;

use crate::provider::use_consent;

#[derive(Properties, PartialEq)]
pub struct GatedProps {
    /// The category id the children need.
    pub category: AttrValue,
    /// Narrows the grant to one service of the category (granted with it or on its own).
    #[prop_or_default]
    pub service: Option<AttrValue>,
    /// What shows instead while not granted (say, a notice with a button that grants it).
    #[prop_or_default]
    pub fallback: Html,
    #[prop_or_default]
    pub children: Html,
}

/// Renders `children` while granted and `fallback` otherwise; a withdrawal unmounts the children
/// again (their effects' clean-ups run), without a reload.
#[function_component(Gated)]
pub fn gated(props: &GatedProps) -> Html {
    let consent = use_consent();
    let granted = match &props.service {
        Some(service) => consent.granted_service(&props.category, service),
        None => consent.granted(&props.category),
    };
    if granted {
        props.children.clone()
    } else {
        props.fallback.clone()
    }
}
