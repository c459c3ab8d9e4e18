//! The explorer page in a real browser: headless Chromium driven over WebDriver
//! (chromedriver, started here on a free port) against a node on loopback with a
//! few blocks holding payments and an issuance. It reads the tip, the latest
//! transactions and the recent blocks (runs of empty ones folded), pages to older
//! blocks, opens a block and walks to its neighbours, opens a transaction (its time
//! bound, the issued asset's name), searches by block ID and transaction ID, submits
//! bad transactions and reads their precise errors, checks that a phone-sized
//! window cuts nothing, and saves screenshots under `target/explorer-screenshots/`.
//!
//! Without Chromium the test fails, saying how to install it: it is never skipped.

mod common;

use common::*;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's paths; `ZKVM_CHROMIUM` and `ZKVM_CHROMEDRIVER` point elsewhere.
const CHROMIUM: (&str, &str) = ("ZKVM_CHROMIUM", "/usr/bin/chromium");
const CHROMEDRIVER: (&str, &str) = ("ZKVM_CHROMEDRIVER", "/usr/bin/chromedriver");
const WAIT: Duration = Duration::from_secs(20);

/// A chromedriver process we started; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tool's path: its environment variable, else its Debian path.
fn tool((var, default): (&str, &str)) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// Starts chromedriver on a free loopback port and waits until it listens.
fn start_driver() -> Driver {
    for path in [tool(CHROMIUM), tool(CHROMEDRIVER)] {
        assert!(
            Path::new(&path).exists(),
            "the explorer test needs headless Chromium and its WebDriver: {path} is \
             missing; install them with `apt-get install chromium chromium-driver`"
        );
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let chromedriver = tool(CHROMEDRIVER);
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {chromedriver}: {e}"));
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < WAIT, "chromedriver never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

/// A headless browser session with its own profile directory.
async fn open_browser(driver: &Driver, profile: &Path) -> Browser {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": tool(CHROMIUM),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("opening a Chromium session: {e}"))
}

/// The text of the first element matching `css`, if there is one (read in one
/// script, so a view repainting meanwhile cannot leave a stale element).
async fn text(browser: &Browser, css: &str) -> Option<String> {
    let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;";
    match browser.execute(script, vec![json!(css)]).await.unwrap() {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// Waits until the element matching `css` has a text that `ok` accepts; that text.
async fn wait_text(browser: &Browser, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let found = text(browser, css).await;
        if let Some(t) = &found {
            if ok(t) {
                return t.clone();
            }
        }
        assert!(
            start.elapsed() < WAIT,
            "{css} never showed the expected text; last seen {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `query` into the search box and submits it.
async fn search(browser: &Browser, query: &str) {
    let input = browser.find(Locator::Css("#query")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(query).await.unwrap();
    browser
        .find(Locator::Css("#search button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("explorer-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
    std::fs::write(screenshots_dir().join(name), png).unwrap();
}

/// Submits `tx_hex` through the page's form; the result line it shows.
async fn submit_through_page(browser: &Browser, url: &str, tx_hex: &str) -> String {
    browser.goto(&format!("{url}/#/submit")).await.unwrap();
    let area = browser.find(Locator::Css("#tx-hex")).await.unwrap();
    area.clear().await.unwrap();
    area.send_keys(tx_hex).await.unwrap();
    browser
        .find(Locator::Css("#submit-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(browser, "#submit-result", |t| {
        t.starts_with("Rejected") || t.starts_with("Accepted")
    })
    .await
}

/// The asset the issuance of [`chain_with_payments`] names.
const ASSET: &str = "Gold coin";

/// A node with payments in a few blocks, then an issuance of [`ASSET`] and some
/// empty blocks; the API client, the mined transaction IDs and the raw
/// transactions (the issuance last).
async fn chain_with_payments(dir: &Path) -> (NodeProcess, Client, Vec<String>, Vec<zkvm::Tx>) {
    let funding = funding_key(dir);
    let mut txs = payments(&funding, 0..4);
    txs.push(issuance(&funding, 4, ASSET, &gens()));
    let node = producer(dir, 1_000);
    let api = Client::new(&node.url);
    let mut ids = Vec::new();
    for pair in txs.chunks(2) {
        for tx in pair {
            let (status, body) = api.submit(&tx.to_bytes()).await;
            assert_eq!(status, 200, "{body}");
            ids.push(body["id"].as_str().unwrap().to_string());
        }
        // The next pair goes into a later block.
        let h = api.height().await;
        api.wait_height(h + 1, WAIT).await;
        let (status, pool) = api.get("/v1/mempool").await;
        assert_eq!(status, 200);
        assert_eq!(pool["count"], 0, "{pool}");
    }
    // Three empty blocks at least, which the recent list folds into one row.
    let h = api.height().await;
    api.wait_height(h + 3, WAIT).await;
    (node, api, ids, txs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_in_a_browser() {
    let driver = start_driver();
    let dir = devnet(6);
    let (node, api, ids, txs) = chain_with_payments(dir.path()).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = open_browser(&driver, profile.path()).await;
    // The session is closed whatever happens, so no browser outlives the test.
    let checks = tokio::spawn(explore(browser.clone(), node.url.clone(), api, ids, txs));
    let outcome = checks.await;
    browser.close().await.unwrap();
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The heights of a folded row, `blocks LOW–HIGH: empty`.
fn folded_range(row: &str) -> (u64, u64) {
    let range = row
        .trim()
        .strip_prefix("blocks ")
        .and_then(|r| r.strip_suffix(": empty"))
        .unwrap_or_else(|| panic!("not a folded row: {row:?}"));
    let (low, high) = range.split_once('–').unwrap();
    (low.parse().unwrap(), high.parse().unwrap())
}

/// The elements of the page that reach past the window's width (so a phone cuts
/// them or scrolls sideways), and the width.
async fn cut_off(browser: &Browser) -> (Value, Value) {
    let script = r#"
        const width = document.documentElement.clientWidth;
        const cut = [...document.querySelectorAll("body *")]
            .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > width + 0.5 || r.left < -0.5); })
            .map((e) => `${e.tagName} ${e.id} ${e.className}: ${e.textContent.slice(0, 40)}`);
        return [width, document.documentElement.scrollWidth, cut];"#;
    let found = browser.execute(script, vec![]).await.unwrap();
    (
        found[0].clone(),
        json!([found[1].clone(), found[2].clone()]),
    )
}

async fn explore(browser: Browser, url: String, api: Client, ids: Vec<String>, txs: Vec<zkvm::Tx>) {
    // The tip, the latest transactions (the issuance first) and the recent blocks:
    // more than a page of them.
    api.wait_height(22, Duration::from_secs(40)).await;
    browser.goto(&format!("{url}/")).await.unwrap();
    let tip: u64 = wait_text(&browser, "#tip-height", |t| !t.is_empty())
        .await
        .parse()
        .unwrap();
    assert!(tip >= 22, "tip {tip}");
    let latest = wait_text(&browser, "#recent-txs", |t| t.contains(&ids[4][..10])).await;
    assert!(latest.starts_with(&ids[4][..10]), "{latest}");
    for id in &ids {
        assert!(latest.contains(&id[..10]), "{id} not in {latest}");
    }
    let (_, issued) = api.get(&format!("/v1/txs/{}", ids[4])).await;
    let issued_height = issued["height"].as_u64().unwrap();
    let (_, shown) = api.get(&format!("/v1/blocks/{issued_height}")).await;
    let shown_id = shown["id"].as_str().unwrap().to_string();
    let rows = wait_text(&browser, "#blocks tbody", |t| t.contains(&shown_id[..10])).await;
    assert!(rows.contains(&tip.to_string()), "{rows}");
    assert!(text(&browser, "#chart").await.is_some(), "no chart");
    wait_text(&browser, "#forest", |t| t.contains("2^")).await;
    screenshot(&browser, "home-wide.png").await;

    // The empty blocks above the issuance fold into one row naming only empty blocks.
    let folded = wait_text(&browser, "#blocks tr.folded", |t| t.contains(": empty")).await;
    let (low, high) = folded_range(&folded);
    assert!(low < high, "{folded}");
    for height in low..=high {
        let (_, b) = api.get(&format!("/v1/blocks/{height}")).await;
        assert_eq!(b["txs"], json!([]), "block {height} folded in {folded:?}");
    }

    // Paging to the older blocks, down to the initial one.
    let older = browser.find(Locator::Css("a.older")).await.unwrap();
    let href = older.attr("href").await.unwrap().unwrap();
    let below: u64 = href.strip_prefix("#/blocks/").unwrap().parse().unwrap();
    assert!(below > 1 && below < tip, "{href}");
    older.click().await.unwrap();
    wait_text(&browser, "h1", |t| t == format!("Blocks below {below}")).await;
    wait_text(&browser, "#blocks tbody", |t| !t.is_empty()).await;
    let script = r##"return [...document.querySelectorAll("#blocks a")]
        .map((a) => Number(a.getAttribute("href").replace("#/block/", "")));"##;
    let linked: Vec<u64> =
        serde_json::from_value(browser.execute(script, vec![]).await.unwrap()).unwrap();
    assert_eq!(linked.iter().max(), Some(&(below - 1)), "{linked:?}");
    assert_eq!(linked.iter().min(), Some(&1), "{linked:?}");
    assert!(
        text(&browser, "a.older").await.is_none(),
        "a page below the first block"
    );
    screenshot(&browser, "older-blocks.png").await;

    // A block, reached by its link in the recent list (the chain moves meanwhile: the
    // list's first row is read from the page).
    let first = browser
        .find(Locator::Css("#blocks tbody tr:first-child a"))
        .await
        .unwrap();
    let first_height = first.text().await.unwrap();
    first.click().await.unwrap();
    let (_, first_block) = api.get(&format!("/v1/blocks/{first_height}")).await;
    let first_id = first_block["id"].as_str().unwrap().to_string();
    wait_text(&browser, "#block-id", |t| t == first_id).await;

    // The block holding the first payments.
    let (_, mined) = api.get(&format!("/v1/txs/{}", ids[0])).await;
    let height = mined["height"].as_u64().unwrap();
    let (_, block) = api.get(&format!("/v1/blocks/{height}")).await;
    let block_id = block["id"].as_str().unwrap().to_string();
    browser
        .goto(&format!("{url}/#/block/{height}"))
        .await
        .unwrap();
    wait_text(&browser, "#block-id", |t| t == block_id).await;
    let listed = wait_text(&browser, "#block-txs", |t| t.contains(&ids[0])).await;
    assert!(listed.contains(&ids[1]), "{listed}");
    screenshot(&browser, "block.png").await;

    // Its neighbours, through the previous and next links.
    let (_, next) = api.get(&format!("/v1/blocks/{}", height + 1)).await;
    let click = |css: &'static str| {
        let browser = browser.clone();
        async move {
            let found = browser.find(Locator::Css(css)).await.unwrap();
            found.click().await.unwrap();
        }
    };
    click("a.next-block").await;
    wait_text(&browser, "#block-id", |t| t == next["id"]).await;
    click("a.prev-block").await;
    wait_text(&browser, "#block-id", |t| t == block_id).await;
    browser.goto(&format!("{url}/#/block/1")).await.unwrap();
    wait_text(&browser, "h1", |t| t == "Block 1").await;
    assert!(text(&browser, "a.next-block").await.is_some());
    assert!(
        text(&browser, "a.prev-block").await.is_none(),
        "a block before the first"
    );
    browser
        .goto(&format!("{url}/#/block/{height}"))
        .await
        .unwrap();
    wait_text(&browser, "#block-id", |t| t == block_id).await;

    // A transaction, by its link in the block: its program and log.
    browser
        .find(Locator::Css(&format!(
            "#block-txs a[href='#/tx/{}']",
            ids[0]
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&browser, "#tx-id", |t| t == ids[0]).await;
    let program = wait_text(&browser, "#tx-program", |t| !t.is_empty()).await;
    let asm = zkvm::Program::parse(&txs[0].program).unwrap().to_asm();
    assert!(program.lines().count() > 1, "one instruction per line");
    assert_eq!(
        zkvm::Program::from_asm(&program).unwrap().to_asm(),
        asm,
        "the page shows the transaction's program"
    );
    let log = text(&browser, "#tx-log").await.unwrap();
    for kind in ["header", "input", "output", "fee"] {
        assert!(log.contains(kind), "the log lacks {kind}: {log}");
    }
    // The time bound u64::MAX, exactly: no limit, never a rounded number.
    assert!(log.contains("not after: no limit"), "{log}");
    assert!(!log.contains("18446744073709552"), "{log}");
    screenshot(&browser, "tx.png").await;

    // The issuance names its asset where the log shows the issued flavor.
    let issue = issued["log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "issue")
        .unwrap();
    assert_eq!(
        issued["assets"],
        json!({ issue["flv"].as_str().unwrap(): ASSET })
    );
    browser
        .goto(&format!("{url}/#/tx/{}", ids[4]))
        .await
        .unwrap();
    let log = wait_text(&browser, "#tx-log", |t| t.contains("issue")).await;
    let named = format!("asset \"{ASSET}\"\nflv {}", issue["flv"].as_str().unwrap());
    assert!(log.contains(&named), "{log}");
    screenshot(&browser, "issuance.png").await;

    // Search by block ID, by transaction ID, and for an ID nothing has.
    search(&browser, &block_id).await;
    wait_text(&browser, "#block-id", |t| t == block_id).await;
    search(&browser, &ids[3].to_uppercase()).await;
    wait_text(&browser, "#tx-id", |t| t == ids[3]).await;
    search(&browser, &"ab".repeat(32)).await;
    wait_text(&browser, "#error", |t| {
        t.contains("no block or transaction")
    })
    .await;
    search(&browser, "2").await;
    wait_text(&browser, "h1", |t| t == "Block 2").await;

    // The mempool view.
    browser.goto(&format!("{url}/#/mempool")).await.unwrap();
    wait_text(&browser, "main p", |t| t.contains("transactions")).await;

    // Bad transactions: the page shows the node's precise error.
    let shown = submit_through_page(&browser, &url, "0102zz").await;
    assert!(
        shown.starts_with("Rejected: ") && shown.contains("hex"),
        "{shown}"
    );
    let spent = hex::encode(txs[0].to_bytes());
    let (status, answer) = api.submit(&txs[0].to_bytes()).await;
    assert_eq!(status, 400, "{answer}");
    let reason = answer["error"]["message"].as_str().unwrap().to_string();
    let shown = submit_through_page(&browser, &url, &spent).await;
    assert_eq!(shown, format!("Rejected: {reason}"));
    screenshot(&browser, "rejected.png").await;

    // A phone-sized window: nothing reaches past its width, the legend included.
    browser.set_window_size(390, 844).await.unwrap();
    browser.goto(&format!("{url}/#/")).await.unwrap();
    wait_text(&browser, "#tip-height", |t| !t.is_empty()).await;
    wait_text(&browser, "#legend", |t| t.contains("validation ms")).await;
    let (width, cut) = cut_off(&browser).await;
    assert!(width.as_u64().is_some_and(|w| w <= 400), "window {width}");
    assert_eq!(cut, json!([width, []]), "cut off on the home page");
    screenshot(&browser, "home-phone.png").await;
    for (view, name) in [
        (format!("#/tx/{}", ids[4]), "tx-phone.png"),
        (format!("#/block/{height}"), "block-phone.png"),
    ] {
        browser.goto(&format!("{url}/{view}")).await.unwrap();
        wait_text(&browser, "h1", |t| {
            t.starts_with("Block") || t == "Transaction"
        })
        .await;
        wait_text(&browser, "main", |t| t.contains("ID")).await;
        let (width, cut) = cut_off(&browser).await;
        assert_eq!(cut, json!([width, []]), "cut off on {view}");
        screenshot(&browser, name).await;
    }
}
