//! `hydrascope serve` end to end: the binary started as a server on 127.0.0.1, fed through
//! `POST /v1/events` (`http`) or a NATS JetStream stream (`broker`).

#[path = "../bar/mod.rs"]
mod bar;
mod broker;
#[path = "../browser/mod.rs"]
mod browser;
#[path = "../common/mod.rs"]
mod common;
mod http;
#[path = "../openapi/mod.rs"]
mod openapi;
#[path = "../page/mod.rs"]
mod page;
mod service;
#[path = "../simulation/mod.rs"]
mod simulation;
