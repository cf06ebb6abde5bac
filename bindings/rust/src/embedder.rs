//! Embedders: text in, vectors out (hashing, Gemini, or a Rust closure).

use crate::{check, error, ffi, Result, Status};
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Mutex};

/// What a text is for: stored documents or search queries (asymmetric
/// models such as Gemini embed them differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmbedTask {
    Document = 1,
    Query = 2,
}

/// Options for [`Embedder::gemini`]; unset options keep the library defaults
/// (API key from GEMINI_API_KEY, model gemini-embedding-001, 768 dimensions,
/// 100 requests per minute, 5 retries ...).
#[derive(Clone, Debug, Default)]
pub struct GeminiOptions {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub output_dim: Option<u32>,
    pub batch_size: Option<u32>,
    pub requests_per_minute: Option<u32>,
    pub max_retries: Option<u32>,
    pub timeout_ms: Option<u32>,
    pub connect_timeout_ms: Option<u32>,
    pub max_concurrent_requests: Option<u32>,
}

type EmbedFn = dyn FnMut(&[String]) -> std::result::Result<Vec<Vec<f32>>, String> + Send;

/// The Rust side of a callback embedder: the C `user` pointer. Shared (Arc)
/// between the Embedder and every Index it is attached to, because an index
/// keeps the native embedder, which calls into this state, after the
/// Embedder is dropped.
pub(crate) struct CallbackState {
    dim: usize,
    f: Mutex<Box<EmbedFn>>,
}

/// Turns text into vectors of `dim()` floats. Freed on drop. `embed` may be
/// called from any number of threads at once (`Embedder` is `Send + Sync`).
pub struct Embedder {
    raw: *mut ffi::qv_embedder,
    dim: usize,
    // Heap-allocated so its address (the C `user` pointer) is stable; dropped
    // after raw, and kept by indexes this embedder is attached to.
    callback: Option<Arc<CallbackState>>,
}

unsafe impl Send for Embedder {}
unsafe impl Sync for Embedder {}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").field("dim", &self.dim).finish()
    }
}

impl Drop for Embedder {
    fn drop(&mut self) {
        unsafe { ffi::qv_embedder_free(self.raw) }
    }
}

fn write_err(err: *mut c_char, err_len: usize, message: &str) {
    if err.is_null() || err_len == 0 {
        return;
    }
    let n = message.len().min(err_len - 1);
    unsafe {
        ptr::copy_nonoverlapping(message.as_ptr() as *const c_char, err, n);
        *err.add(n) = 0;
    }
}

unsafe extern "C" fn embed_trampoline(
    user: *mut c_void,
    n: usize,
    texts: *const *const c_char,
    lengths: *const usize,
    out: *mut f32,
    err: *mut c_char,
    err_len: usize,
) -> c_int {
    let state = &*(user as *const CallbackState);
    let strings: Vec<String> = (0..n)
        .map(|i| {
            let bytes = std::slice::from_raw_parts(*texts.add(i) as *const u8, *lengths.add(i));
            String::from_utf8_lossy(bytes).into_owned()
        })
        .collect();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut f = state.f.lock().unwrap_or_else(|p| p.into_inner());
        (*f)(&strings)
    }));
    let rows = match result {
        Ok(Ok(rows)) => rows,
        Ok(Err(message)) => {
            write_err(err, err_len, &message);
            return 1;
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            write_err(err, err_len, &format!("panic: {}", what));
            return 1;
        }
    };
    if rows.len() != n {
        write_err(
            err,
            err_len,
            &format!("the embedding function returned {} vectors for {} texts; return one vector per text", rows.len(), n),
        );
        return 1;
    }
    for (i, row) in rows.iter().enumerate() {
        if row.len() != state.dim {
            write_err(
                err,
                err_len,
                &format!(
                    "the embedding function returned a vector of {} floats for text {}; the embedder has dim {}",
                    row.len(),
                    i,
                    state.dim
                ),
            );
            return 1;
        }
        ptr::copy_nonoverlapping(row.as_ptr(), out.add(i * state.dim), state.dim);
    }
    0
}

fn c_opt(s: &Option<String>) -> Result<Option<CString>> {
    match s {
        None => Ok(None),
        Some(v) => CString::new(v.as_str()).map(Some).map_err(|_| {
            error(
                Status::InvalidArgument,
                "an option string contains a NUL byte".to_string(),
            )
        }),
    }
}

impl Embedder {
    fn wrap(raw: *mut ffi::qv_embedder, callback: Option<Arc<CallbackState>>) -> Embedder {
        let mut dim = 0u32;
        unsafe { ffi::qv_embedder_dim(raw, &mut dim) };
        Embedder {
            raw,
            dim: dim as usize,
            callback,
        }
    }

    /// The native handle, for Index::set_embedder.
    pub(crate) fn raw(&self) -> *mut ffi::qv_embedder {
        self.raw
    }

    /// What an index must keep alive while it holds this embedder.
    pub(crate) fn callback_state(&self) -> Option<Arc<CallbackState>> {
        self.callback.clone()
    }

    /// The offline embedder: feature hashing of words and character n-grams,
    /// L2-normalised. Fast, deterministic, no model and no network; it matches
    /// shared words and spellings, not meaning.
    pub fn hashing(dim: u32) -> Result<Embedder> {
        let mut raw = ptr::null_mut();
        check(unsafe { ffi::qv_embedder_create_hashing(dim, &mut raw) })?;
        Ok(Embedder::wrap(raw, None))
    }

    /// An embedder over a Rust closure returning one vector per text (called
    /// for documents and queries alike, never from two threads at once). An
    /// `Err(message)` or a panic fails the embed call with Status::Embedding.
    pub fn from_fn<F>(dim: u32, f: F) -> Result<Embedder>
    where
        F: FnMut(&[String]) -> std::result::Result<Vec<Vec<f32>>, String> + Send + 'static,
    {
        let state = Arc::new(CallbackState {
            dim: dim as usize,
            f: Mutex::new(Box::new(f)),
        });
        let user = Arc::as_ptr(&state) as *mut c_void;
        let mut raw = ptr::null_mut();
        check(unsafe {
            ffi::qv_embedder_create_callback(dim, Some(embed_trampoline), user, &mut raw)
        })?;
        Ok(Embedder::wrap(raw, Some(state)))
    }

    /// An embedder over Google's Gemini API; makes no network call until used.
    pub fn gemini(options: &GeminiOptions) -> Result<Embedder> {
        let mut o = std::mem::MaybeUninit::<ffi::qv_gemini_options>::uninit();
        let mut o = unsafe {
            ffi::qv_gemini_options_init(o.as_mut_ptr());
            o.assume_init()
        };
        let (key, url, model) = (
            c_opt(&options.api_key)?,
            c_opt(&options.base_url)?,
            c_opt(&options.model)?,
        );
        o.api_key = key.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        o.base_url = url.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        o.model = model.as_ref().map_or(ptr::null(), |s| s.as_ptr());
        let set = |field: &mut u32, v: Option<u32>| {
            if let Some(v) = v {
                *field = v;
            }
        };
        set(&mut o.output_dim, options.output_dim);
        set(&mut o.batch_size, options.batch_size);
        set(&mut o.requests_per_minute, options.requests_per_minute);
        set(&mut o.max_retries, options.max_retries);
        set(&mut o.timeout_ms, options.timeout_ms);
        set(&mut o.connect_timeout_ms, options.connect_timeout_ms);
        set(
            &mut o.max_concurrent_requests,
            options.max_concurrent_requests,
        );
        let mut raw = ptr::null_mut();
        check(unsafe { ffi::qv_embedder_create_gemini(&o, &mut raw) })?;
        Ok(Embedder::wrap(raw, None))
    }

    /// The dimension of every vector this embedder produces.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Embeds texts for `task`: one vector per text, in order.
    pub fn embed<S: AsRef<str>>(&self, texts: &[S], task: EmbedTask) -> Result<Vec<Vec<f32>>> {
        let ptrs: Vec<*const c_char> = texts
            .iter()
            .map(|t| t.as_ref().as_ptr() as *const c_char)
            .collect();
        let lens: Vec<usize> = texts.iter().map(|t| t.as_ref().len()).collect();
        let mut flat = vec![0f32; texts.len() * self.dim + 1];
        check(unsafe {
            ffi::qv_embedder_embed_ex(
                self.raw,
                task as c_int,
                texts.len(),
                ptrs.as_ptr(),
                lens.as_ptr(),
                flat.as_mut_ptr(),
            )
        })?;
        Ok((0..texts.len())
            .map(|i| flat[i * self.dim..(i + 1) * self.dim].to_vec())
            .collect())
    }

    /// Embeds one text.
    pub fn embed_one(&self, text: &str, task: EmbedTask) -> Result<Vec<f32>> {
        Ok(self.embed(&[text], task)?.remove(0))
    }
}
