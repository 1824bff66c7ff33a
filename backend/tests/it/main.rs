//! The backend's one integration-test binary. Route, error-shape, validation, CORS and
//! path-safety tests call the router in-process (`app::App`, axum's `examples/testing`);
//! the rest start the real binary because a process matters (`server::Server`: signals,
//! restart, runners, a URI longer than hyper parses).
// A test that cannot run here says why on stdout, where libtest shows it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod app;
mod resp;
mod server;

mod api;
mod cors;
mod docker;
mod errors;
mod lifecycle;
mod live_process;
mod openapi;
mod orphans;
mod paths;
mod raw_http;
mod validation;
