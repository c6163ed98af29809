//! The built-in texts, one table per language. Site texts in the config override any of them.
//!
//! Only the UI's wasm reaches `get` (the banner and panel are where texts are shown), so the
//! catalogue costs a returning visitor nothing; the core's iframe placeholder uses `EN` alone.

/// Every built-in text of one language. Field names match the config's `texts` keys.
pub struct Catalogue {
    pub banner_title: &'static str,
    pub banner_description: &'static str,
    pub accept_all: &'static str,
    pub reject_all: &'static str,
    pub preferences: &'static str,
    pub preferences_title: &'static str,
    pub preferences_description: &'static str,
    pub save: &'static str,
    pub close: &'static str,
    pub always_on: &'static str,
    pub privacy_policy: &'static str,
    /// The floating button that reopens the panel after a choice.
    pub settings: &'static str,
    /// Cookie table headers.
    pub cookie: &'static str,
    pub purpose: &'static str,
    pub duration: &'static str,
    pub set_by: &'static str,
    pub first_party: &'static str,
    pub third_party: &'static str,
    /// Shown when the browser's Global Privacy Control signal turned categories off.
    pub gpc_notice: &'static str,
    pub download_record: &'static str,
    /// (category id, title, description) for the usual category ids.
    pub categories: &'static [(&'static str, &'static str, &'static str)],
}

// The settings button's labels stand apart from the tables: the core needs them without the rest
// of the catalogue (measured: reaching them through `get` put all eight tables, 13 KB brotli,
// into the returning visitor's download).
const SETTINGS_EN: &str = "Cookie settings";
const SETTINGS_DE: &str = "Cookie-Einstellungen";
const SETTINGS_FR: &str = "Paramètres des cookies";
const SETTINGS_ES: &str = "Configuración de cookies";
const SETTINGS_IT: &str = "Impostazioni cookie";
const SETTINGS_NL: &str = "Cookie-instellingen";
const SETTINGS_PL: &str = "Ustawienia plików cookie";
const SETTINGS_HU: &str = "Sütibeállítások";

/// Languages with a built-in catalogue.
pub const LANGS: &[&str] = &["en", "de", "fr", "es", "it", "nl", "pl", "hu"];

/// English, also the fallback for any language without a catalogue.
pub static EN: Catalogue = Catalogue {
    banner_title: "We use cookies",
    banner_description: "We use cookies and similar technologies to run this site and, with your consent, to measure its use and show third-party content. You can change your choice at any time.",
    accept_all: "Accept all",
    reject_all: "Reject all",
    preferences: "Preferences",
    preferences_title: "Cookie preferences",
    preferences_description: "Choose which kinds of cookies and third-party services you allow. Strictly necessary ones are always on.",
    save: "Save choices",
    close: "Close",
    always_on: "Always on",
    privacy_policy: "Privacy policy",
    settings: SETTINGS_EN,
    cookie: "Cookie",
    purpose: "Purpose",
    duration: "Duration",
    set_by: "Set by",
    first_party: "This site",
    third_party: "Third party",
    gpc_notice: "Your browser's Global Privacy Control signal was honoured: sale and sharing of your data stay off unless you switch them on here.",
    download_record: "Download my consent record",
    categories: &[
        ("necessary", "Strictly necessary", "Needed for the site to work, such as keeping you signed in. They cannot be switched off."),
        ("analytics", "Analytics", "Help us understand how the site is used, so we can improve it."),
        ("marketing", "Marketing", "Used to show you relevant advertising on this and other sites."),
        ("social", "Social media", "Share buttons and embedded posts from social networks."),
        ("comments", "Comments", "The third-party comment system under articles."),
    ],
};

/// German (formal "Sie").
pub static DE: Catalogue = Catalogue {
    banner_title: "Wir verwenden Cookies",
    banner_description: "Wir verwenden Cookies und ähnliche Technologien, um diese Website zu betreiben und, mit Ihrer Einwilligung, ihre Nutzung zu messen und Inhalte von Drittanbietern anzuzeigen. Sie können Ihre Auswahl jederzeit ändern.",
    accept_all: "Alle akzeptieren",
    reject_all: "Alle ablehnen",
    preferences: "Einstellungen",
    preferences_title: "Cookie-Einstellungen",
    preferences_description: "Wählen Sie, welche Arten von Cookies und Diensten von Drittanbietern Sie zulassen. Unbedingt erforderliche Cookies sind immer aktiv.",
    save: "Auswahl speichern",
    close: "Schließen",
    always_on: "Immer aktiv",
    privacy_policy: "Datenschutzerklärung",
    settings: SETTINGS_DE,
    cookie: "Cookie",
    purpose: "Zweck",
    duration: "Speicherdauer",
    set_by: "Gesetzt von",
    first_party: "Diese Website",
    third_party: "Drittanbieter",
    gpc_notice: "Das Global-Privacy-Control-Signal Ihres Browsers wurde berücksichtigt: Verkauf und Weitergabe Ihrer Daten bleiben deaktiviert, sofern Sie sie hier nicht aktivieren.",
    download_record: "Meinen Einwilligungsnachweis herunterladen",
    categories: &[
        ("necessary", "Unbedingt erforderlich", "Für den Betrieb der Website erforderlich, etwa damit Sie angemeldet bleiben. Diese Cookies können nicht deaktiviert werden."),
        ("analytics", "Analyse", "Helfen uns zu verstehen, wie die Website genutzt wird, damit wir sie verbessern können."),
        ("marketing", "Marketing", "Werden verwendet, um Ihnen relevante Werbung auf dieser und anderen Websites anzuzeigen."),
        ("social", "Soziale Medien", "Teilen-Schaltflächen und eingebettete Beiträge aus sozialen Netzwerken."),
        ("comments", "Kommentare", "Das Kommentarsystem eines Drittanbieters unter den Artikeln."),
    ],
};

/// French ("vous"). A no-break space (U+00A0) goes before a colon, as French typography requires.
pub static FR: Catalogue = Catalogue {
    banner_title: "Nous utilisons des cookies",
    banner_description: "Nous utilisons des cookies et des technologies similaires pour faire fonctionner ce site et, avec votre consentement, pour mesurer son audience et afficher des contenus de tiers. Vous pouvez modifier votre choix à tout moment.",
    accept_all: "Tout accepter",
    reject_all: "Tout refuser",
    preferences: "Personnaliser",
    preferences_title: "Préférences en matière de cookies",
    preferences_description: "Choisissez les types de cookies et les services tiers que vous autorisez. Les cookies strictement nécessaires sont toujours actifs.",
    save: "Enregistrer mes choix",
    close: "Fermer",
    always_on: "Toujours actif",
    privacy_policy: "Politique de confidentialité",
    settings: SETTINGS_FR,
    cookie: "Cookie",
    purpose: "Finalité",
    duration: "Durée",
    set_by: "Déposé par",
    first_party: "Ce site",
    third_party: "Tiers",
    gpc_notice: "Le signal Global Privacy Control de votre navigateur a été respecté\u{a0}: la vente et le partage de vos données restent désactivés, sauf si vous les activez ici.",
    download_record: "Télécharger la preuve de mon consentement",
    categories: &[
        ("necessary", "Strictement nécessaires", "Indispensables au fonctionnement du site, par exemple pour maintenir votre session. Ils ne peuvent pas être désactivés."),
        ("analytics", "Mesure d'audience", "Nous aident à comprendre comment le site est utilisé, afin de l'améliorer."),
        ("marketing", "Marketing", "Utilisés pour vous présenter des publicités pertinentes sur ce site et sur d'autres."),
        ("social", "Réseaux sociaux", "Boutons de partage et publications intégrées provenant des réseaux sociaux."),
        ("comments", "Commentaires", "Le système de commentaires d'un tiers, affiché sous les articles."),
    ],
};

/// Spanish (formal "usted", neutral across regions).
pub static ES: Catalogue = Catalogue {
    banner_title: "Utilizamos cookies",
    banner_description: "Utilizamos cookies y tecnologías similares para el funcionamiento de este sitio y, con su consentimiento, para medir cómo se utiliza y mostrar contenido de terceros. Puede cambiar su elección en cualquier momento.",
    accept_all: "Aceptar todo",
    reject_all: "Rechazar todo",
    preferences: "Configurar",
    preferences_title: "Preferencias de cookies",
    preferences_description: "Elija qué tipos de cookies y servicios de terceros permite. Las estrictamente necesarias están siempre activas.",
    save: "Guardar selección",
    close: "Cerrar",
    always_on: "Siempre activas",
    privacy_policy: "Política de privacidad",
    settings: SETTINGS_ES,
    cookie: "Cookie",
    purpose: "Finalidad",
    duration: "Duración",
    set_by: "Instalada por",
    first_party: "Este sitio",
    third_party: "Terceros",
    gpc_notice: "Se ha respetado la señal Global Privacy Control de su navegador: la venta y la cesión de sus datos permanecen desactivadas, salvo que las active aquí.",
    download_record: "Descargar mi registro de consentimiento",
    categories: &[
        ("necessary", "Estrictamente necesarias", "Imprescindibles para que el sitio funcione, por ejemplo, para mantener su sesión iniciada. No se pueden desactivar."),
        ("analytics", "Analíticas", "Nos ayudan a entender cómo se utiliza el sitio para poder mejorarlo."),
        ("marketing", "Marketing", "Se utilizan para mostrarle publicidad relevante en este y otros sitios."),
        ("social", "Redes sociales", "Botones para compartir y publicaciones insertadas de redes sociales."),
        ("comments", "Comentarios", "El sistema de comentarios de un tercero que aparece bajo los artículos."),
    ],
};

/// Italian (informal "tu", as Italian consent banners usually are).
pub static IT: Catalogue = Catalogue {
    banner_title: "Utilizziamo i cookie",
    banner_description: "Utilizziamo cookie e tecnologie simili per il funzionamento di questo sito e, con il tuo consenso, per misurarne l'utilizzo e mostrare contenuti di terze parti. Puoi modificare la tua scelta in qualsiasi momento.",
    accept_all: "Accetta tutti",
    reject_all: "Rifiuta tutti",
    preferences: "Personalizza",
    preferences_title: "Preferenze sui cookie",
    preferences_description: "Scegli quali tipi di cookie e servizi di terze parti consentire. Quelli strettamente necessari sono sempre attivi.",
    save: "Salva le scelte",
    close: "Chiudi",
    always_on: "Sempre attivi",
    privacy_policy: "Informativa sulla privacy",
    settings: SETTINGS_IT,
    cookie: "Cookie",
    purpose: "Finalità",
    duration: "Durata",
    set_by: "Installato da",
    first_party: "Questo sito",
    third_party: "Terze parti",
    gpc_notice: "Il segnale Global Privacy Control del tuo browser è stato rispettato: la vendita e la condivisione dei tuoi dati restano disattivate, a meno che tu non le attivi qui.",
    download_record: "Scarica la prova del mio consenso",
    categories: &[
        ("necessary", "Strettamente necessari", "Necessari per il funzionamento del sito, ad esempio per mantenere l'accesso al tuo account. Non possono essere disattivati."),
        ("analytics", "Analitici", "Ci aiutano a capire come viene utilizzato il sito, così da poterlo migliorare."),
        ("marketing", "Marketing", "Utilizzati per mostrarti pubblicità pertinente su questo e su altri siti."),
        ("social", "Social media", "Pulsanti di condivisione e post incorporati dai social network."),
        ("comments", "Commenti", "Il sistema di commenti di terze parti sotto gli articoli."),
    ],
};

/// Dutch (formal "u", usual in both the Netherlands and Flanders).
pub static NL: Catalogue = Catalogue {
    banner_title: "Wij gebruiken cookies",
    banner_description: "Wij gebruiken cookies en vergelijkbare technieken om deze website te laten werken en, met uw toestemming, om het gebruik ervan te meten en inhoud van derden te tonen. U kunt uw keuze op elk moment wijzigen.",
    accept_all: "Alles accepteren",
    reject_all: "Alles weigeren",
    preferences: "Voorkeuren",
    preferences_title: "Cookievoorkeuren",
    preferences_description: "Kies welke soorten cookies en diensten van derden u toestaat. Strikt noodzakelijke cookies staan altijd aan.",
    save: "Keuze opslaan",
    close: "Sluiten",
    always_on: "Altijd actief",
    privacy_policy: "Privacyverklaring",
    settings: SETTINGS_NL,
    cookie: "Cookie",
    purpose: "Doel",
    duration: "Looptijd",
    set_by: "Geplaatst door",
    first_party: "Deze website",
    third_party: "Derde partij",
    gpc_notice: "Het Global Privacy Control-signaal van uw browser is gerespecteerd: de verkoop en het delen van uw gegevens blijven uitgeschakeld, tenzij u die hier inschakelt.",
    download_record: "Mijn toestemmingsbewijs downloaden",
    categories: &[
        ("necessary", "Strikt noodzakelijk", "Nodig om de website te laten werken, bijvoorbeeld om u ingelogd te houden. Deze kunnen niet worden uitgeschakeld."),
        ("analytics", "Analyse", "Helpen ons te begrijpen hoe de website wordt gebruikt, zodat we deze kunnen verbeteren."),
        ("marketing", "Marketing", "Worden gebruikt om u relevante advertenties te tonen op deze en andere websites."),
        ("social", "Sociale media", "Deelknoppen en ingesloten berichten van sociale netwerken."),
        ("comments", "Reacties", "Het reactiesysteem van een derde partij onder artikelen."),
    ],
};

/// Polish (second person singular, as Polish consent banners usually are).
pub static PL: Catalogue = Catalogue {
    banner_title: "Używamy plików cookie",
    banner_description: "Używamy plików cookie i podobnych technologii, aby zapewnić działanie tej strony, a za Twoją zgodą także, aby mierzyć korzystanie z niej i wyświetlać treści podmiotów zewnętrznych. Swój wybór możesz zmienić w dowolnym momencie.",
    accept_all: "Akceptuj wszystkie",
    reject_all: "Odrzuć wszystkie",
    preferences: "Preferencje",
    preferences_title: "Preferencje dotyczące plików cookie",
    preferences_description: "Wybierz, na które rodzaje plików cookie i usługi podmiotów zewnętrznych wyrażasz zgodę. Ściśle niezbędne pliki cookie są zawsze włączone.",
    save: "Zapisz wybór",
    close: "Zamknij",
    always_on: "Zawsze włączone",
    privacy_policy: "Polityka prywatności",
    settings: SETTINGS_PL,
    cookie: "Plik cookie",
    purpose: "Cel",
    duration: "Okres ważności",
    set_by: "Ustawiany przez",
    first_party: "Ta strona",
    third_party: "Podmiot zewnętrzny",
    gpc_notice: "Uwzględniliśmy sygnał Global Privacy Control z Twojej przeglądarki: sprzedaż i udostępnianie Twoich danych pozostają wyłączone, chyba że włączysz je tutaj.",
    download_record: "Pobierz potwierdzenie mojej zgody",
    categories: &[
        ("necessary", "Ściśle niezbędne", "Potrzebne do działania strony, na przykład do podtrzymania sesji logowania. Nie można ich wyłączyć."),
        ("analytics", "Analityczne", "Pomagają nam zrozumieć, w jaki sposób strona jest używana, abyśmy mogli ją ulepszać."),
        ("marketing", "Marketingowe", "Służą do wyświetlania Ci trafnych reklam na tej i innych stronach."),
        ("social", "Media społecznościowe", "Przyciski udostępniania i osadzone posty z serwisów społecznościowych."),
        ("comments", "Komentarze", "Zewnętrzny system komentarzy pod artykułami."),
    ],
};

/// Hungarian (formal "Ön").
pub static HU: Catalogue = Catalogue {
    banner_title: "Sütiket használunk",
    banner_description: "Sütiket és hasonló technológiákat használunk a weboldal működtetéséhez, valamint az Ön hozzájárulásával a látogatottság méréséhez és harmadik felektől származó tartalmak megjelenítéséhez. Döntését bármikor módosíthatja.",
    accept_all: "Összes elfogadása",
    reject_all: "Összes elutasítása",
    preferences: "Beállítások",
    preferences_title: "Sütibeállítások",
    preferences_description: "Válassza ki, milyen típusú sütiket és harmadik féltől származó szolgáltatásokat engedélyez. A feltétlenül szükséges sütik mindig aktívak.",
    save: "Választások mentése",
    close: "Bezárás",
    always_on: "Mindig aktív",
    privacy_policy: "Adatvédelmi tájékoztató",
    settings: SETTINGS_HU,
    cookie: "Süti",
    purpose: "Cél",
    duration: "Időtartam",
    set_by: "Elhelyező",
    first_party: "Ez a weboldal",
    third_party: "Harmadik fél",
    gpc_notice: "Figyelembe vettük böngészője Global Privacy Control jelzését: adatai értékesítése és megosztása kikapcsolva marad, hacsak itt be nem kapcsolja.",
    download_record: "Hozzájárulásom igazolásának letöltése",
    categories: &[
        ("necessary", "Feltétlenül szükséges", "A weboldal működéséhez szükségesek, például ahhoz, hogy bejelentkezve maradjon. Nem kapcsolhatók ki."),
        ("analytics", "Analitika", "Segítenek megérteni, hogyan használják a weboldalt, hogy fejleszthessük."),
        ("marketing", "Marketing", "Arra szolgálnak, hogy releváns hirdetéseket jelenítsünk meg Önnek ezen és más weboldalakon."),
        ("social", "Közösségi média", "Megosztási gombok és közösségi hálózatokból beágyazott bejegyzések."),
        ("comments", "Hozzászólások", "A cikkek alatti, harmadik féltől származó hozzászólási rendszer."),
    ],
};

/// The catalogue for `lang` (a primary language code), English when there is none.
pub fn get(lang: &str) -> &'static Catalogue {
    match lang {
        "de" => &DE,
        "fr" => &FR,
        "es" => &ES,
        "it" => &IT,
        "nl" => &NL,
        "pl" => &PL,
        "hu" => &HU,
        _ => &EN,
    }
}

/// Just the floating settings button's label, for the core: it shows the button on pages where
/// the UI (and the rest of the catalogue) is never loaded.
pub fn settings_label(lang: &str) -> &'static str {
    match crate::texts::primary(lang) {
        "de" => SETTINGS_DE,
        "fr" => SETTINGS_FR,
        "es" => SETTINGS_ES,
        "it" => SETTINGS_IT,
        "nl" => SETTINGS_NL,
        "pl" => SETTINGS_PL,
        "hu" => SETTINGS_HU,
        _ => SETTINGS_EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text of `c`, categories included. Destructured so that a new field must be added here.
    fn texts(c: &Catalogue) -> Vec<&'static str> {
        let Catalogue {
            banner_title,
            banner_description,
            accept_all,
            reject_all,
            preferences,
            preferences_title,
            preferences_description,
            save,
            close,
            always_on,
            privacy_policy,
            settings,
            cookie,
            purpose,
            duration,
            set_by,
            first_party,
            third_party,
            gpc_notice,
            download_record,
            categories,
        } = c;
        let mut all = vec![
            *banner_title,
            *banner_description,
            *accept_all,
            *reject_all,
            *preferences,
            *preferences_title,
            *preferences_description,
            *save,
            *close,
            *always_on,
            *privacy_policy,
            *settings,
            *cookie,
            *purpose,
            *duration,
            *set_by,
            *first_party,
            *third_party,
            *gpc_notice,
            *download_record,
        ];
        for (id, title, description) in categories.iter() {
            all.extend([*id, *title, *description]);
        }
        all
    }

    #[test]
    fn every_language_has_its_own_catalogue() {
        for &lang in LANGS {
            let c = get(lang);
            if lang == "en" {
                assert!(std::ptr::eq(c, &EN));
            } else {
                assert_ne!(c.accept_all, EN.accept_all, "{lang} falls back to English");
            }
        }
        assert!(std::ptr::eq(get("xx"), &EN));
        assert!(std::ptr::eq(get(""), &EN));
    }

    #[test]
    fn no_text_is_empty_or_markup() {
        for &lang in LANGS {
            for t in texts(get(lang)) {
                assert!(!t.trim().is_empty(), "{lang}: empty text");
                assert!(!t.contains(['<', '>']), "{lang}: markup in {t:?}");
            }
        }
    }

    #[test]
    fn same_categories_in_the_same_order() {
        let ids = |c: &Catalogue| {
            c.categories
                .iter()
                .map(|(id, _, _)| *id)
                .collect::<Vec<_>>()
        };
        for &lang in LANGS {
            assert_eq!(ids(get(lang)), ids(&EN), "{lang}");
        }
    }
}
