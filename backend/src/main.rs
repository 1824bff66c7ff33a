fn main() {
    eprintln!("codex-backend: not built yet");
    std::process::exit(2);
}
