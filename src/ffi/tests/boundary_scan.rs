//! What `ffi::tests::every_export_goes_through_the_boundary` checks, on the syntax tree
//! of each file of `src/ffi` (syn), so that a comment or a string can prove nothing.

use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Attribute, Expr, File, Item, ItemFn, Meta, Stmt, UnOp, UseTree, Visibility};

/// The boundary's two entry points, as absolute paths.
const BOUNDARY: [&str; 2] = ["crate::ffi::boundary::call", "crate::ffi::boundary::guard"];

/// Each export of the file (a top-level `no_mangle` or `export_name` fn) with what is
/// wrong with it, if anything. An export anywhere else (nested, in an `impl`, a
/// static, inside a macro) is reported under the name `?`.
pub fn exports(file: &File) -> Vec<(String, Option<String>)> {
    let scope = Scope::of(file);
    let mut out = Vec::new();
    for item in &file.items {
        let Item::Fn(f) = item else { continue };
        if !exported(&f.attrs) {
            continue;
        }
        let abi = f.sig.abi.as_ref().and_then(|abi| abi.name.as_ref());
        let fault = if abi.is_some_and(|name| name.value() == "C") {
            scope.through_helper_or_boundary(f).err()
        } else {
            Some("exported, but not an `extern \"C\" fn`".to_string())
        };
        out.push((f.sig.ident.to_string(), fault));
    }
    // Every exporting attribute must belong to one of the functions above.
    let mut all = ExportAttrs::default();
    all.visit_file(file);
    if all.attrs != out.len() {
        out.push((
            "?".into(),
            Some(format!(
                "{} `no_mangle`/`export_name` attributes, but {} top-level exported fns: \
                 every export must be a top-level `extern \"C\" fn` of src/ffi",
                all.attrs,
                out.len()
            )),
        ));
    }
    if all.in_macros > 0 {
        out.push((
            "?".into(),
            Some(
                "a macro mentions `no_mangle`/`export_name`: write every export out \
                 (cbindgen, which writes the header, does not expand macros)"
                    .into(),
            ),
        ));
    }
    out
}

/// `#[unsafe(no_mangle)]`, `#[unsafe(export_name = "..")]` (or the pre-2024 forms).
fn exported(attrs: &[Attribute]) -> bool {
    attrs.iter().any(exporting)
}

fn exporting(attr: &Attribute) -> bool {
    let is_export = |m: &Meta| m.path().is_ident("no_mangle") || m.path().is_ident("export_name");
    if attr.path().is_ident("unsafe") {
        attr.parse_args::<Meta>().is_ok_and(|m| is_export(&m))
    } else {
        is_export(&attr.meta)
    }
}

#[derive(Default)]
struct ExportAttrs {
    attrs: usize,
    in_macros: usize,
}

impl<'ast> Visit<'ast> for ExportAttrs {
    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        self.attrs += usize::from(exporting(attr));
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        fn mentions(tokens: TokenStream) -> bool {
            tokens.into_iter().any(|t| match t {
                TokenTree::Ident(i) => i == "no_mangle" || i == "export_name",
                TokenTree::Group(g) => mentions(g.stream()),
                _ => false,
            })
        }
        self.in_macros += usize::from(mentions(mac.tokens.clone()));
    }
}

/// What a file's names stand for: its `use` imports (local name to absolute path,
/// `super` read as `crate::ffi`) and its private top-level functions.
struct Scope<'a> {
    imports: HashMap<String, String>,
    helpers: HashMap<String, &'a ItemFn>,
}

impl<'a> Scope<'a> {
    fn of(file: &'a File) -> Self {
        let mut imports = HashMap::new();
        let mut helpers = HashMap::new();
        for item in &file.items {
            match item {
                Item::Use(u) => collect_uses(&u.tree, String::new(), &mut imports),
                Item::Fn(f) if matches!(f.vis, Visibility::Inherited) && !exported(&f.attrs) => {
                    helpers.insert(f.sig.ident.to_string(), f);
                }
                _ => {}
            }
        }
        Scope { imports, helpers }
    }

    /// The absolute path a path expression names, when it is one of the file's
    /// imports or written absolutely (`super::`, `crate::`).
    fn resolve(&self, path: &syn::Path) -> String {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let (first, rest) = segments.split_first().expect("a path has a segment");
        let head = match first.as_str() {
            "super" => "crate::ffi".to_string(),
            _ => self
                .imports
                .get(first)
                .cloned()
                .unwrap_or_else(|| first.clone()),
        };
        std::iter::once(head)
            .chain(rest.iter().cloned())
            .collect::<Vec<_>>()
            .join("::")
    }

    /// An export's body: one call of the boundary, or of a private helper of this file
    /// whose body is one call of the boundary.
    fn through_helper_or_boundary(&self, f: &ItemFn) -> Result<(), String> {
        let (callee, call) = one_call(&f.block.stmts)?;
        let resolved = self.resolve(callee);
        if BOUNDARY.contains(&resolved.as_str()) {
            return args_are_inert(call);
        }
        let helper = callee
            .get_ident()
            .and_then(|name| self.helpers.get(&name.to_string()))
            .ok_or_else(|| {
                format!(
                    "its body calls `{resolved}`, which is neither `call` nor `guard` of \
                     src/ffi/boundary.rs nor a private helper fn of this file"
                )
            })?;
        args_are_inert(call)?;
        let (inner, inner_call) = one_call(&helper.block.stmts)
            .map_err(|e| format!("its helper `{resolved}` is not a boundary call: {e}"))?;
        let inner_resolved = self.resolve(inner);
        if !BOUNDARY.contains(&inner_resolved.as_str()) {
            return Err(format!(
                "its helper `{resolved}` calls `{inner_resolved}`, which is neither `call` \
                 nor `guard` of src/ffi/boundary.rs"
            ));
        }
        args_are_inert(inner_call).map_err(|e| format!("in its helper `{resolved}`: {e}"))
    }
}

/// The one call a body consists of (through `unsafe { }`, blocks, parentheses),
/// and the callee's path.
fn one_call(stmts: &[Stmt]) -> Result<(&syn::Path, &syn::ExprCall), String> {
    match stmts {
        [Stmt::Expr(expr, _)] => call_in(expr),
        [] => Err("its body is empty".into()),
        [one] => Err(format!("its body is {}", describe_stmt(one))),
        _ => Err(format!(
            "its body has {} statements ({}); it must be the boundary call alone",
            stmts.len(),
            stmts
                .iter()
                .map(describe_stmt)
                .collect::<Vec<_>>()
                .join(", then ")
        )),
    }
}

fn call_in(expr: &Expr) -> Result<(&syn::Path, &syn::ExprCall), String> {
    match expr {
        Expr::Unsafe(e) => one_call(&e.block.stmts),
        Expr::Block(e) if e.label.is_none() => one_call(&e.block.stmts),
        Expr::Paren(e) => call_in(&e.expr),
        Expr::Call(call) => match &*call.func {
            Expr::Path(p) if p.qself.is_none() => Ok((&p.path, call)),
            _ => Err("its body calls something that is not a named function".into()),
        },
        other => Err(format!("its body is {}", describe(other))),
    }
}

/// `use` trees into local name -> absolute path.
fn collect_uses(tree: &UseTree, prefix: String, out: &mut HashMap<String, String>) {
    let join = |name: &str| {
        let name = if prefix.is_empty() && name == "super" {
            "crate::ffi"
        } else {
            name
        };
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}::{name}")
        }
    };
    match tree {
        UseTree::Path(p) => collect_uses(&p.tree, join(&p.ident.to_string()), out),
        UseTree::Name(n) if n.ident == "self" => {
            let local = prefix.rsplit("::").next().unwrap_or_default().to_string();
            out.insert(local, prefix);
        }
        UseTree::Name(n) => {
            out.insert(n.ident.to_string(), join(&n.ident.to_string()));
        }
        UseTree::Rename(r) => {
            let path = if r.ident == "self" {
                prefix.clone()
            } else {
                join(&r.ident.to_string())
            };
            out.insert(r.rename.to_string(), path);
        }
        UseTree::Group(g) => {
            for t in &g.items {
                collect_uses(t, prefix.clone(), out);
            }
        }
        // A glob import names nothing here: a call through one is not recognised.
        UseTree::Glob(_) => {}
    }
}

/// Arguments are evaluated before the callee runs, so before the boundary is
/// entered: each must be unable to panic (a closure, a path, a literal, ...).
fn args_are_inert(call: &syn::ExprCall) -> Result<(), String> {
    fn inert(e: &Expr) -> bool {
        match e {
            Expr::Closure(_) | Expr::Path(_) | Expr::Lit(_) => true,
            Expr::Tuple(t) => t.elems.iter().all(inert),
            Expr::Paren(p) => inert(&p.expr),
            Expr::Reference(r) => inert(&r.expr),
            Expr::Cast(c) => inert(&c.expr),
            Expr::Unary(u) => matches!(u.op, UnOp::Neg(_)) && matches!(*u.expr, Expr::Lit(_)),
            // `c"".as_ptr()`.
            Expr::MethodCall(m) => m.args.is_empty() && matches!(*m.receiver, Expr::Lit(_)),
            _ => false,
        }
    }
    match call.args.iter().position(|a| !inert(a)) {
        None => Ok(()),
        Some(i) => Err(format!(
            "argument {} of the call is {}, evaluated before the boundary is entered",
            i + 1,
            describe(&call.args[i])
        )),
    }
}

fn describe_stmt(s: &Stmt) -> String {
    match s {
        Stmt::Local(_) => "a `let` statement".into(),
        Stmt::Item(_) => "an item".into(),
        Stmt::Expr(e, _) => describe(e),
        Stmt::Macro(m) => format!("the macro `{}!`", path_text(&m.mac.path)),
    }
}

fn describe(e: &Expr) -> String {
    match e {
        Expr::Macro(m) => format!("the macro `{}!`", path_text(&m.mac.path)),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => format!("a call of `{}`", path_text(&p.path)),
            _ => "a call".into(),
        },
        Expr::MethodCall(m) => format!("a call of the method `.{}()`", m.method),
        Expr::Unsafe(_) | Expr::Block(_) => "a block".into(),
        Expr::Match(_) => "a `match`".into(),
        Expr::If(_) => "an `if`".into(),
        Expr::Return(_) => "a `return`".into(),
        _ => "an expression that is not a call".into(),
    }
}

fn path_text(p: &syn::Path) -> String {
    p.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
