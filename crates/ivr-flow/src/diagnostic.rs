//! Problems found in a flow file, each pinned to a line and column.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A 1-based position in a flow file. Line 0 means "the whole file".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const FILE: Pos = Pos { line: 0, col: 0 };

    pub fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }

    pub fn of(location: &serde_saphyr::Location) -> Self {
        Pos {
            line: u32::try_from(location.line()).unwrap_or(u32::MAX),
            col: u32::try_from(location.column()).unwrap_or(u32::MAX),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub line: u32,
    pub col: u32,
    pub message: String,
    /// A second place that explains the first (where an unclosed bracket was opened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl Diagnostic {
    pub fn with_note(mut self, pos: Pos, message: impl Into<String>) -> Self {
        self.note = Some(Note {
            line: pos.line,
            col: pos.col,
            message: message.into(),
        });
        self
    }

    pub fn error(pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            line: pos.line,
            col: pos.col,
            message: message.into(),
            note: None,
        }
    }

    pub fn warning(pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            line: pos.line,
            col: pos.col,
            message: message.into(),
            note: None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    /// Formats as `file:line:col: error: message`, the shape editors and CI annotate.
    pub fn display_in<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        InFile { file, diag: self }
    }
}

struct InFile<'a> {
    file: &'a str,
    diag: &'a Diagnostic,
}

impl fmt::Display for InFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let line = self.diag.line.max(1);
        let col = self.diag.col.max(1);
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, line, col, severity, self.diag.message
        )?;
        if let Some(note) = &self.diag.note {
            write!(
                f,
                "\n{}:{}:{}: note: {}",
                self.file,
                note.line.max(1),
                note.col.max(1),
                note.message
            )?;
        }
        Ok(())
    }
}

/// Collects diagnostics while a flow is checked.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.items.push(Diagnostic::error(pos, message));
    }

    pub fn warning(&mut self, pos: Pos, message: impl Into<String>) {
        self.items.push(Diagnostic::warning(pos, message));
    }

    pub fn push(&mut self, diag: Diagnostic) {
        self.items.push(diag);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Sorted by position so output reads top to bottom like the file.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| (d.line, d.col, d.severity));
        self.items.dedup();
        self.items
    }
}
