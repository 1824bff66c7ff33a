fn main() {
    eprintln!("codex-worker: not built yet");
    std::process::exit(2);
}
