//! Kept out of `techo-ffi` so the generator's dependencies never link into the shipped library.
fn main() {
    uniffi::uniffi_bindgen_main()
}
