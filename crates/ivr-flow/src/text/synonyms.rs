//! Words that mean the same thing to a contact center, across English and Spanish.
//!
//! A flow's examples cannot list every way of saying a thing: callers "relocate" where the
//! examples "move", say "correo" for "mail", "página" for "website". Each group below joins
//! everyday words of one meaning (accent-free, lowercase, as `normalize` leaves them); a
//! flow adds its own groups with `synonyms:`. Two words of one group count as nearly the same
//! word when scoring. The groups are general vocabulary of service calls, not any one flow's
//! phrases; words whose sense shifts by intent ("application": a form, or a case) stay out.

use super::similarity::stem;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Built-in groups.
const GROUPS: &[&[&str]] = &[
    &[
        "talk",
        "speak",
        "hablar",
        "conversar",
        "platicar",
        "communicate",
        "comunicar",
    ],
    &[
        "person",
        "human",
        "somebody",
        "someone",
        "individual",
        "persona",
        "humano",
        "alguien",
        "gente",
    ],
    &[
        "agent",
        "representative",
        "operator",
        "rep",
        "agente",
        "representante",
        "operador",
        "operadora",
        "asesor",
        "advisor",
    ],
    &[
        "receive", "recibir", "obtain", "obtener", "arrive", "llegar", "came", "deliver",
        "entregar",
    ],
    &[
        "send", "mail", "ship", "enviar", "mandar", "remitir", "correo", "postal",
    ],
    &[
        "move",
        "moving",
        "relocate",
        "mudar",
        "mudanza",
        "trasladar",
        "mude",
    ],
    &["address", "direccion", "domicilio"],
    &[
        "house",
        "home",
        "apartment",
        "residence",
        "casa",
        "hogar",
        "apartamento",
        "departamento",
        "vivienda",
    ],
    &[
        "change",
        "update",
        "modify",
        "cambiar",
        "actualizar",
        "modificar",
    ],
    &["fix", "correct", "repair", "corregir", "arreglar"],
    &[
        "mistake",
        "error",
        "typo",
        "wrong",
        "incorrect",
        "equivocado",
        "incorrecto",
        "errado",
        "misspelled",
    ],
    &["form", "formulario", "forma", "planilla"],
    &[
        "petition",
        "case",
        "request",
        "peticion",
        "caso",
        "tramite",
        "expediente",
    ],
    &[
        "status",
        "state",
        "progress",
        "estado",
        "estatus",
        "situacion",
        "progreso",
    ],
    &["approve", "aprobar", "accept", "aceptar"],
    &[
        "decision",
        "answer",
        "response",
        "decidir",
        "decide",
        "respuesta",
        "contestar",
        "resolution",
        "resolucion",
    ],
    &["wait", "esperar", "espera", "delay", "demora"],
    &[
        "take", "tardar", "demorar", "tomar", "durar", "last", "falta", "faltar",
    ],
    &[
        "normal",
        "usual",
        "usually",
        "typical",
        "typically",
        "average",
        "normalmente",
        "usualmente",
        "promedio",
        "tipico",
    ],
    &[
        "month", "week", "day", "year", "mes", "semana", "dia", "ano",
    ],
    &[
        "online",
        "internet",
        "web",
        "website",
        "site",
        "linea",
        "pagina",
        "electronic",
        "electronically",
        "electronica",
        "electronicamente",
        "computer",
        "computadora",
    ],
    &[
        "file",
        "submit",
        "apply",
        "presentar",
        "someter",
        "aplicar",
        "solicitar",
    ],
    &["download", "print", "descargar", "bajar", "imprimir"],
    &[
        "login", "log", "signin", "sign", "entrar", "iniciar", "acceder", "access", "acceso",
        "sesion", "ingresar",
    ],
    &["password", "passcode", "contrasena", "clave"],
    &[
        "lock",
        "locked",
        "block",
        "blocked",
        "bloquear",
        "bloqueado",
    ],
    &["forget", "forgot", "olvidar", "olvide"],
    &[
        "work",
        "job",
        "employment",
        "employer",
        "trabajo",
        "empleo",
        "empleador",
        "trabajar",
    ],
    &["appointment", "visit", "cita", "visita"],
    &["schedule", "book", "programar", "agendar", "reservar"],
    &["office", "oficina"],
    &["travel", "trip", "viajar", "viaje"],
    &["emergency", "urgent", "urgently", "emergencia", "urgente"],
    &["deaf", "sordo", "sorda", "sordos", "sordas", "sordera"],
    &[
        "hear", "hearing", "listen", "oir", "escuchar", "audicion", "auditiva", "oido",
    ],
    &["country", "nation", "pais", "nacion"],
    // Countries callers name instead of saying "another country"; English and Spanish names.
    // One group of its own: a named country is like "country", not like each other country.
    &[
        "country",
        "pais",
        "mexico",
        "canada",
        "guatemala",
        "honduras",
        "salvador",
        "nicaragua",
        "panama",
        "cuba",
        "haiti",
        "dominican",
        "dominicana",
        "jamaica",
        "colombia",
        "venezuela",
        "ecuador",
        "peru",
        "bolivia",
        "chile",
        "argentina",
        "uruguay",
        "paraguay",
        "brazil",
        "brasil",
        "spain",
        "espana",
        "england",
        "inglaterra",
        "britain",
        "france",
        "francia",
        "germany",
        "alemania",
        "italy",
        "italia",
        "portugal",
        "poland",
        "polonia",
        "ukraine",
        "ucrania",
        "russia",
        "rusia",
        "china",
        "india",
        "pakistan",
        "bangladesh",
        "philippines",
        "filipinas",
        "vietnam",
        "korea",
        "corea",
        "japan",
        "japon",
        "nigeria",
        "ghana",
        "kenya",
        "ethiopia",
        "etiopia",
        "egypt",
        "egipto",
        "iran",
        "iraq",
        "israel",
        "turkey",
        "turquia",
        "australia",
        "abroad",
        "overseas",
    ],
    &[
        "abroad",
        "overseas",
        "foreign",
        "extranjero",
        "exterior",
        "afuera",
        "fuera",
        "outside",
    ],
    &["repeat", "repetir", "repita"],
    &[
        "start",
        "beginning",
        "begin",
        "inicio",
        "principio",
        "comenzar",
        "empezar",
    ],
    &["return", "regresar", "volver"],
    &[
        "notice",
        "letter",
        "notification",
        "aviso",
        "carta",
        "notificacion",
    ],
    &["interpreter", "translator", "interprete", "traductor"],
    &[
        "document",
        "paper",
        "paperwork",
        "documento",
        "papel",
        "papeles",
    ],
    &[
        "citizenship",
        "naturalization",
        "ciudadania",
        "naturalizacion",
    ],
    &["residence", "residency", "residencia", "greencard"],
    &["pay", "payment", "fee", "pagar", "pago", "tarifa", "cuota"],
    &[
        "help",
        "assist",
        "support",
        "assistance",
        "ayuda",
        "ayudar",
        "soporte",
        "asistencia",
    ],
    &["news", "novedad", "novedades", "noticias", "actualizacion"],
    &[
        "problem",
        "issue",
        "trouble",
        "problema",
        "dificultad",
        "inconveniente",
    ],
    &[
        "check",
        "verify",
        "lookup",
        "review",
        "consultar",
        "revisar",
        "verificar",
        "checar",
        "chequear",
        "averiguar",
    ],
    &[
        "chat",
        "chatear",
        "chatbot",
        "type",
        "write",
        "escribir",
        "escribirle",
        "text",
    ],
    &["assistant", "asistente", "bot"],
    &["phone", "telephone", "telefono", "number", "numero"],
];

/// Word (and its stem) -> the groups it belongs to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Synonyms {
    groups: HashMap<String, Vec<u32>>,
    next_group: u32,
}

impl Synonyms {
    /// The built-in groups.
    pub(crate) fn builtin() -> &'static Synonyms {
        static BUILTIN: OnceLock<Synonyms> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut synonyms = Synonyms::default();
            for group in GROUPS {
                synonyms.add_group(group.iter().copied());
            }
            synonyms
        })
    }

    /// Adds a group of words (normalized by the caller).
    pub(crate) fn add_group<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) {
        let id = self.next_group;
        self.next_group += 1;
        for word in words {
            for key in [word.to_owned(), stem(word)] {
                let ids = self.groups.entry(key).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }

    /// The groups `word` (or its stem) belongs to.
    pub(crate) fn groups_of(&self, word: &str) -> &[u32] {
        self.groups
            .get(word)
            .or_else(|| self.groups.get(&stem(word)))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether two different words share a group.
    #[cfg(test)]
    fn related(&self, a: &str, b: &str) -> bool {
        let of_b = self.groups_of(b);
        !of_b.is_empty() && self.groups_of(a).iter().any(|id| of_b.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_a_group_are_related_in_both_languages_and_inflections() {
        let builtin = Synonyms::builtin();
        assert!(builtin.related("relocated", "move"));
        assert!(builtin.related("correo", "mail"));
        assert!(builtin.related("pagina", "website"));
        assert!(builtin.related("mudamos", "moved") || builtin.related("mudar", "moved"));
        assert!(!builtin.related("form", "case"));
        assert!(!builtin.related("goodbye", "day"));
        assert!(builtin.related("germany", "country"));
        assert!(builtin.related("brasil", "pais"));
    }

    #[test]
    fn flow_groups_add_to_nothing_else() {
        let mut own = Synonyms::default();
        own.add_group(["tty", "teletipo"]);
        assert!(own.related("teletipos", "tty"));
        assert!(!own.related("tty", "phone"));
    }
}
