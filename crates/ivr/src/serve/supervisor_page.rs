//! The supervisor page: plain HTML, a style sheet and a script, compiled into the binary and
//! served by the admin at `/`. They hold no data; the script reads the JSON endpoints every
//! two seconds with the admin token (given once in the address, `/#token=...`, or typed in
//! when asked, and kept for the browser tab only).

pub struct File {
    pub body: &'static str,
    pub content_type: &'static str,
}

pub fn file(path: &str) -> Option<File> {
    let (body, content_type) = match path {
        "/" => (
            include_str!("supervisor/index.html"),
            "text/html; charset=utf-8",
        ),
        "/supervisor.js" => (
            include_str!("supervisor/supervisor.js"),
            "text/javascript; charset=utf-8",
        ),
        "/supervisor.css" => (
            include_str!("supervisor/supervisor.css"),
            "text/css; charset=utf-8",
        ),
        _ => return None,
    };
    Some(File { body, content_type })
}
