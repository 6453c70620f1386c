//! The provider table SQLCipher calls, and the primitives behind it.
//!
//! The table layout, the algorithm numbers and the return codes are SQLCipher's
//! (`sqlcipher_provider` in `crypto.h`, SQLCipher 4.x). Every entry point checks its pointers and
//! lengths and turns a panic into `SQLITE_ERROR`: nothing unwinds into C.

use aes::Aes256;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use zeroize::Zeroizing;

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;

const MODE_DECRYPT: c_int = 0;
const MODE_ENCRYPT: c_int = 1;

// The HMAC and PBKDF2 numbers coincide in SQLCipher (SHA-1, SHA-256, SHA-512 = 0, 1, 2).
const ALG_SHA1: c_int = 0;
const ALG_SHA256: c_int = 1;
const ALG_SHA512: c_int = 2;

const KEY_SIZE: usize = 32;
const BLOCK_SIZE: usize = 16;

const NAME: &CStr = c"techo-rustcrypto";
const CIPHER: &CStr = c"aes-256-cbc";
const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => panic!("the package version is a C string"),
};

type Ctx = *mut c_void;

/// SQLCipher's `sqlcipher_provider`, field for field.
#[repr(C)]
pub struct Provider {
    init: Option<unsafe extern "C" fn() -> c_int>,
    shutdown: Option<unsafe extern "C" fn()>,
    get_provider_name: Option<unsafe extern "C" fn(Ctx) -> *const c_char>,
    add_random: Option<unsafe extern "C" fn(Ctx, *const c_void, c_int) -> c_int>,
    random: Option<unsafe extern "C" fn(Ctx, *mut c_void, c_int) -> c_int>,
    #[allow(clippy::type_complexity)]
    hmac: Option<
        unsafe extern "C" fn(Ctx, c_int, *const u8, c_int, *const u8, c_int, *const u8, c_int, *mut u8) -> c_int,
    >,
    #[allow(clippy::type_complexity)]
    kdf: Option<unsafe extern "C" fn(Ctx, c_int, *const u8, c_int, *const u8, c_int, c_int, c_int, *mut u8) -> c_int>,
    #[allow(clippy::type_complexity)]
    cipher: Option<unsafe extern "C" fn(Ctx, c_int, *const u8, c_int, *const u8, *const u8, c_int, *mut u8) -> c_int>,
    get_cipher: Option<unsafe extern "C" fn(Ctx) -> *const c_char>,
    get_key_sz: Option<unsafe extern "C" fn(Ctx) -> c_int>,
    get_iv_sz: Option<unsafe extern "C" fn(Ctx) -> c_int>,
    get_block_sz: Option<unsafe extern "C" fn(Ctx) -> c_int>,
    get_hmac_sz: Option<unsafe extern "C" fn(Ctx, c_int) -> c_int>,
    ctx_init: Option<unsafe extern "C" fn(*mut Ctx) -> c_int>,
    ctx_free: Option<unsafe extern "C" fn(*mut Ctx) -> c_int>,
    fips_status: Option<unsafe extern "C" fn(Ctx) -> c_int>,
    get_provider_version: Option<unsafe extern "C" fn(Ctx) -> *const c_char>,
    next: *mut Provider,
}

/// Fills SQLCipher's provider table; SQLCipher calls it once, when SQLite initialises.
///
/// # Safety
/// `p` must point to writable memory for one `sqlcipher_provider`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn techo_sqlcipher_provider_setup(p: *mut Provider) -> c_int {
    if p.is_null() {
        return SQLITE_ERROR;
    }
    let table = Provider {
        init: None,
        shutdown: None,
        get_provider_name: Some(provider_name),
        add_random: Some(add_random),
        random: Some(random),
        hmac: Some(hmac),
        kdf: Some(kdf),
        cipher: Some(cipher),
        get_cipher: Some(cipher_name),
        get_key_sz: Some(key_size),
        get_iv_sz: Some(block_size),
        get_block_sz: Some(block_size),
        get_hmac_sz: Some(hmac_size),
        ctx_init: Some(ctx_init),
        ctx_free: Some(ctx_free),
        fips_status: Some(fips_status),
        get_provider_version: Some(provider_version),
        next: ptr::null_mut(),
    };
    // SAFETY: the caller hands us memory for one table; `write` does not read the old contents.
    unsafe { p.write(table) };
    SQLITE_OK
}

/// Runs `f`, mapping `None` and panics to `SQLITE_ERROR`.
fn guarded(f: impl FnOnce() -> Option<()>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Some(())) => SQLITE_OK,
        _ => SQLITE_ERROR,
    }
}

/// Borrows `len` bytes at `data`; `None` for a negative length or a null pointer with bytes.
///
/// # Safety
/// When `data` is non-null it must be valid for `len` bytes for `'a`.
unsafe fn input<'a>(data: *const u8, len: c_int) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    match (data.is_null(), len) {
        (_, 0) => Some(&[]),
        (true, _) => None,
        // SAFETY: non-null and valid for `len` bytes by the caller's contract.
        (false, _) => Some(unsafe { std::slice::from_raw_parts(data, len) }),
    }
}

/// Mutably borrows `len` bytes at `data`, under the same rules as [`input`].
///
/// # Safety
/// When `data` is non-null it must be valid for writes of `len` bytes, unaliased, for `'a`.
unsafe fn output<'a>(data: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    match (data.is_null(), len) {
        (_, 0) => Some(&mut []),
        (true, _) => None,
        // SAFETY: as above.
        (false, _) => Some(unsafe { std::slice::from_raw_parts_mut(data, len) }),
    }
}

fn hmac_len(algorithm: c_int) -> Option<usize> {
    match algorithm {
        ALG_SHA1 => Some(20),
        ALG_SHA256 => Some(32),
        ALG_SHA512 => Some(64),
        _ => None,
    }
}

fn mac_of<M: Mac + KeyInit>(key: &[u8], parts: [&[u8]; 2], out: &mut [u8]) -> Option<()> {
    let mut mac = <M as KeyInit>::new_from_slice(key).ok()?;
    for part in parts {
        mac.update(part);
    }
    out.copy_from_slice(&mac.finalize().into_bytes());
    Some(())
}

unsafe extern "C" fn provider_name(_: Ctx) -> *const c_char {
    NAME.as_ptr()
}

unsafe extern "C" fn provider_version(_: Ctx) -> *const c_char {
    VERSION.as_ptr()
}

unsafe extern "C" fn cipher_name(_: Ctx) -> *const c_char {
    CIPHER.as_ptr()
}

unsafe extern "C" fn add_random(_: Ctx, _: *const c_void, _: c_int) -> c_int {
    // `PRAGMA cipher_add_random`: the operating system's generator takes no outside entropy.
    SQLITE_OK
}

unsafe extern "C" fn random(_: Ctx, buffer: *mut c_void, length: c_int) -> c_int {
    guarded(|| {
        let len = usize::try_from(length).ok()?;
        // SAFETY: SQLCipher passes a buffer of `length` bytes.
        let out = unsafe { output(buffer.cast(), len) }?;
        getrandom::fill(out).ok()
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn hmac(
    _: Ctx,
    algorithm: c_int,
    key: *const u8,
    key_len: c_int,
    data: *const u8,
    data_len: c_int,
    more: *const u8,
    more_len: c_int,
    out: *mut u8,
) -> c_int {
    guarded(|| {
        // SAFETY: each pointer comes with its length from SQLCipher; `out` holds one MAC.
        let (key, data, out) = unsafe {
            if data.is_null() {
                return None;
            }
            let more = if more.is_null() { &[][..] } else { input(more, more_len)? };
            (input(key, key_len)?, [input(data, data_len)?, more], output(out, hmac_len(algorithm)?)?)
        };
        match algorithm {
            ALG_SHA1 => mac_of::<Hmac<Sha1>>(key, data, out),
            ALG_SHA256 => mac_of::<Hmac<Sha256>>(key, data, out),
            ALG_SHA512 => mac_of::<Hmac<Sha512>>(key, data, out),
            _ => None,
        }
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn kdf(
    _: Ctx,
    algorithm: c_int,
    pass: *const u8,
    pass_len: c_int,
    salt: *const u8,
    salt_len: c_int,
    iterations: c_int,
    key_len: c_int,
    key: *mut u8,
) -> c_int {
    guarded(|| {
        let rounds = u32::try_from(iterations).ok().filter(|r| *r > 0)?;
        let key_len = usize::try_from(key_len).ok()?;
        // SAFETY: lengths come with their pointers from SQLCipher.
        let (pass, salt, key) = unsafe { (input(pass, pass_len)?, input(salt, salt_len)?, output(key, key_len)?) };
        match algorithm {
            ALG_SHA1 => pbkdf2::pbkdf2_hmac::<Sha1>(pass, salt, rounds, key),
            ALG_SHA256 => pbkdf2::pbkdf2_hmac::<Sha256>(pass, salt, rounds, key),
            ALG_SHA512 => pbkdf2::pbkdf2_hmac::<Sha512>(pass, salt, rounds, key),
            _ => return None,
        }
        Some(())
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cipher(
    _: Ctx,
    mode: c_int,
    key: *const u8,
    key_len: c_int,
    iv: *const u8,
    data: *const u8,
    data_len: c_int,
    out: *mut u8,
) -> c_int {
    guarded(|| {
        let len = usize::try_from(data_len).ok().filter(|n| n % BLOCK_SIZE == 0)?;
        if usize::try_from(key_len).ok()? != KEY_SIZE || key.is_null() || iv.is_null() || (len > 0 && data.is_null()) {
            return None;
        }
        // Key and IV are copied first: SQLCipher keeps the IV in the output page, next to the
        // bytes this call writes.
        let mut key_copy = Zeroizing::new([0u8; KEY_SIZE]);
        let mut iv_copy = [0u8; BLOCK_SIZE];
        // SAFETY: the lengths were checked above; `ptr::copy` allows `data` and `out` to be the
        // same page, and afterwards only `out` is borrowed.
        let page = unsafe {
            ptr::copy_nonoverlapping(key, key_copy.as_mut_ptr(), KEY_SIZE);
            ptr::copy_nonoverlapping(iv, iv_copy.as_mut_ptr(), BLOCK_SIZE);
            if len > 0 {
                ptr::copy(data, out, len);
            }
            output(out, len)?
        };
        match mode {
            MODE_ENCRYPT => cbc::Encryptor::<Aes256>::new_from_slices(&key_copy[..], &iv_copy)
                .ok()?
                .encrypt_padded::<NoPadding>(page, len)
                .ok()
                .map(drop),
            MODE_DECRYPT => cbc::Decryptor::<Aes256>::new_from_slices(&key_copy[..], &iv_copy)
                .ok()?
                .decrypt_padded::<NoPadding>(page)
                .ok()
                .map(drop),
            _ => None,
        }
    })
}

unsafe extern "C" fn key_size(_: Ctx) -> c_int {
    KEY_SIZE as c_int
}

unsafe extern "C" fn block_size(_: Ctx) -> c_int {
    BLOCK_SIZE as c_int
}

unsafe extern "C" fn hmac_size(_: Ctx, algorithm: c_int) -> c_int {
    hmac_len(algorithm).map_or(0, |n| n as c_int)
}

unsafe extern "C" fn ctx_init(ctx: *mut Ctx) -> c_int {
    // Stateless: every call carries its key, so there is nothing to allocate per database.
    if !ctx.is_null() {
        // SAFETY: SQLCipher passes the address of its context slot.
        unsafe { ctx.write(ptr::null_mut()) };
    }
    SQLITE_OK
}

unsafe extern "C" fn ctx_free(_: *mut Ctx) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn fips_status(_: Ctx) -> c_int {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Provider {
        let mut p = std::mem::MaybeUninit::<Provider>::uninit();
        // SAFETY: the pointer is to memory for one table.
        assert_eq!(unsafe { techo_sqlcipher_provider_setup(p.as_mut_ptr()) }, SQLITE_OK);
        // SAFETY: setup wrote every field.
        unsafe { p.assume_init() }
    }

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn mac(p: &Provider, alg: c_int, key: &[u8], parts: (&[u8], Option<&[u8]>)) -> (c_int, Vec<u8>) {
        let mut out = vec![0u8; hmac_len(alg).unwrap_or(64)];
        let (more, more_len) = parts.1.map_or((ptr::null(), 0), |m| (m.as_ptr(), m.len() as c_int));
        let rc = unsafe {
            (p.hmac.unwrap())(
                ptr::null_mut(),
                alg,
                key.as_ptr(),
                key.len() as c_int,
                parts.0.as_ptr(),
                parts.0.len() as c_int,
                more,
                more_len,
                out.as_mut_ptr(),
            )
        };
        (rc, out)
    }

    // RFC 2202 / RFC 4231 test case 2.
    #[test]
    fn hmac_matches_the_rfc_vectors_with_the_message_in_one_or_two_parts() {
        let p = table();
        let cases = [
            (ALG_SHA1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            (ALG_SHA256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (
                ALG_SHA512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        for (alg, expected) in cases {
            let whole = mac(&p, alg, b"Jefe", (b"what do ya want for nothing?", None));
            let split = mac(&p, alg, b"Jefe", (b"what do ya want ", Some(b"for nothing?")));
            assert_eq!(whole, (SQLITE_OK, unhex(expected)), "algorithm {alg}");
            assert_eq!(split, whole, "algorithm {alg}");
            assert_eq!(unsafe { (p.get_hmac_sz.unwrap())(ptr::null_mut(), alg) } as usize, expected.len() / 2);
        }
    }

    #[test]
    fn hmac_refuses_unknown_algorithms_and_missing_input() {
        let p = table();
        assert_eq!(mac(&p, 7, b"k", (b"x", None)).0, SQLITE_ERROR);
        assert_eq!(unsafe { (p.get_hmac_sz.unwrap())(ptr::null_mut(), 7) }, 0);
        let mut out = [0u8; 20];
        let rc = unsafe {
            (p.hmac.unwrap())(
                ptr::null_mut(),
                ALG_SHA1,
                b"k".as_ptr(),
                1,
                ptr::null(),
                0,
                ptr::null(),
                0,
                out.as_mut_ptr(),
            )
        };
        assert_eq!(rc, SQLITE_ERROR);
    }

    fn derive(p: &Provider, alg: c_int, pass: &[u8], salt: &[u8], rounds: c_int, len: usize) -> (c_int, Vec<u8>) {
        let mut out = vec![0u8; len];
        let rc = unsafe {
            (p.kdf.unwrap())(
                ptr::null_mut(),
                alg,
                pass.as_ptr(),
                pass.len() as c_int,
                salt.as_ptr(),
                salt.len() as c_int,
                rounds,
                len as c_int,
                out.as_mut_ptr(),
            )
        };
        (rc, out)
    }

    // RFC 6070 for SHA-1; the widely published "password"/"salt" vectors for SHA-256 and SHA-512.
    #[test]
    fn pbkdf2_matches_published_vectors() {
        let p = table();
        assert_eq!(
            derive(&p, ALG_SHA1, b"password", b"salt", 2, 20),
            (SQLITE_OK, unhex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"))
        );
        assert_eq!(
            derive(&p, ALG_SHA256, b"password", b"salt", 1, 32),
            (SQLITE_OK, unhex("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"))
        );
        assert_eq!(
            derive(&p, ALG_SHA512, b"password", b"salt", 1, 64),
            (
                SQLITE_OK,
                unhex(
                    "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce"
                )
            )
        );
        assert_eq!(derive(&p, ALG_SHA256, b"password", b"salt", 0, 32).0, SQLITE_ERROR);
        assert_eq!(derive(&p, 9, b"password", b"salt", 1, 32).0, SQLITE_ERROR);
    }

    fn run_cipher(p: &Provider, mode: c_int, key: &[u8], iv: &[u8], data: &[u8]) -> (c_int, Vec<u8>) {
        let mut out = vec![0u8; data.len()];
        let rc = unsafe {
            (p.cipher.unwrap())(
                ptr::null_mut(),
                mode,
                key.as_ptr(),
                key.len() as c_int,
                iv.as_ptr(),
                data.as_ptr(),
                data.len() as c_int,
                out.as_mut_ptr(),
            )
        };
        (rc, out)
    }

    // NIST SP 800-38A, F.2.5 / F.2.6 (CBC-AES256), first two blocks.
    #[test]
    fn aes_256_cbc_matches_nist_sp800_38a() {
        let p = table();
        let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        let plain = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        let sealed = unhex("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d");
        assert_eq!(run_cipher(&p, MODE_ENCRYPT, &key, &iv, &plain), (SQLITE_OK, sealed.clone()));
        assert_eq!(run_cipher(&p, MODE_DECRYPT, &key, &iv, &sealed), (SQLITE_OK, plain));
    }

    #[test]
    fn cipher_works_in_place_and_refuses_bad_sizes() {
        let p = table();
        let key = [7u8; 32];
        let iv = [9u8; 16];
        let plain: Vec<u8> = (0..64u8).collect();
        let (_, sealed) = run_cipher(&p, MODE_ENCRYPT, &key, &iv, &plain);
        let mut page = sealed.clone();
        let rc = unsafe {
            (p.cipher.unwrap())(
                ptr::null_mut(),
                MODE_DECRYPT,
                key.as_ptr(),
                32,
                iv.as_ptr(),
                page.as_ptr(),
                64,
                page.as_mut_ptr(),
            )
        };
        assert_eq!((rc, page), (SQLITE_OK, plain.clone()));
        assert_eq!(run_cipher(&p, MODE_ENCRYPT, &key, &iv, &plain[..63]).0, SQLITE_ERROR, "not whole blocks");
        assert_eq!(run_cipher(&p, MODE_ENCRYPT, &key[..16], &iv, &plain).0, SQLITE_ERROR, "AES-128 key");
        assert_eq!(run_cipher(&p, 5, &key, &iv, &plain).0, SQLITE_ERROR, "unknown mode");
    }

    #[test]
    fn random_fills_the_buffer_and_the_sizes_are_aes_256_cbc() {
        let p = table();
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        unsafe {
            assert_eq!((p.random.unwrap())(ptr::null_mut(), a.as_mut_ptr().cast(), 64), SQLITE_OK);
            assert_eq!((p.random.unwrap())(ptr::null_mut(), b.as_mut_ptr().cast(), 64), SQLITE_OK);
            assert_eq!((p.random.unwrap())(ptr::null_mut(), b.as_mut_ptr().cast(), -1), SQLITE_ERROR);
            assert_eq!((p.get_key_sz.unwrap())(ptr::null_mut()), 32);
            assert_eq!((p.get_iv_sz.unwrap())(ptr::null_mut()), 16);
            assert_eq!((p.get_block_sz.unwrap())(ptr::null_mut()), 16);
            assert_eq!(CStr::from_ptr((p.get_cipher.unwrap())(ptr::null_mut())), c"aes-256-cbc");
        }
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 64]);
    }
}
