//! `inject -i TEMPLATE [-o OUT] [--json | --yaml | --text]`: renders Prefect 3's
//! placeholders in a file as Prefect 3's workers render a deployment's job variables (the
//! library's `secret_render_template`; YAML read as PyYAML's `yaml.safe_load` reads it),
//! to standard output or to OUT, written whole or not at all, readable by its owner only.

use std::io::Read;

use prefect_secrets::cli::{self, TemplateFormat};

use super::{ERROR, complain, print_out, report, usage_error};

/// The largest template read: a job-variables file is kilobytes.
const TEMPLATE_CAP: u64 = 16 << 20;

/// `inject -i TEMPLATE [-o OUT] [--json | --yaml | --text]`.
pub fn inject(args: &[String]) -> u8 {
    let mut input = None;
    let mut output = None;
    let mut kind = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (option, inline) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| rest.next().cloned());
        let slot = match option {
            "-h" | "--help" => return print_out(&[super::help().as_bytes()]),
            "--json" => {
                kind = Some(TemplateFormat::Json);
                continue;
            }
            "--yaml" => {
                kind = Some(TemplateFormat::Yaml);
                continue;
            }
            "--text" => {
                kind = Some(TemplateFormat::Text);
                continue;
            }
            "-i" | "--in" => &mut input,
            "-o" | "--out" => &mut output,
            other => return usage_error(&format!("inject: unknown argument '{other}'")),
        };
        match value() {
            Some(v) => *slot = Some(v),
            None => return usage_error(&format!("inject: {option} needs a file")),
        }
    }
    let Some(input) = input else {
        return usage_error("inject: no template given (-i FILE, or -i - for standard input)");
    };
    let lower = input.to_ascii_lowercase();
    let format = kind.unwrap_or(if lower.ends_with(".json") {
        TemplateFormat::Json
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        TemplateFormat::Yaml
    } else {
        TemplateFormat::Text
    });
    let template = match read(&input) {
        Ok(t) => t,
        Err(why) => {
            complain(&format!("inject: cannot read {input:?}: {why}"));
            return ERROR;
        }
    };
    let mut rendered = match cli::render_template(&template, format) {
        Ok(r) => r,
        Err(e) => return report(&e),
    };
    // YAML ends with its line break already; a text template is written as it renders.
    if format == TemplateFormat::Json {
        rendered.push(b'\n');
    }
    match output {
        None => print_out(&[&rendered]),
        Some(path) => match write_private(&path, &rendered) {
            Ok(()) => 0,
            Err(e) => {
                complain(&format!("inject: cannot write {path:?}: {e}"));
                ERROR
            }
        },
    }
}

/// The template's bytes (`-` is standard input), at most [`TEMPLATE_CAP`].
fn read(path: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin()
            .take(TEMPLATE_CAP + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(TEMPLATE_CAP + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| e.to_string())?;
    if bytes.len() as u64 > TEMPLATE_CAP {
        return Err(format!("it is larger than {TEMPLATE_CAP} bytes"));
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` all at once: into a new file beside it that only its owner
/// can read (mode 0600 on Unix), flushed to disk, then renamed over `path`. On any failure
/// the new file is removed and `path` is as it was.
fn write_private(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let target = std::path::Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| std::io::Error::other("the output path names no file"))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, target));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}
