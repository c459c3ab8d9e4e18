//! The ABCI socket server: CometBFT's connections over TCP, each a stream of
//! requests (protobuf, each preceded by its length as an unsigned varint) answered
//! in the order they came.
//!
//! Each connection runs two halves. The reader decodes a request, starts its
//! answer on the services of [`super::Abci`] at once and queues the answer's task;
//! the writer sends the answers in the queue's order. A `Flush` is answered in its
//! place in that order, after every answer before it, and does not stop the reader.
//! This is the difference from `tower-abci`'s server, which stops reading at each
//! `Flush` until everything before it is answered: CometBFT 0.38's socket client
//! sends a `Flush` nanoseconds after each request (its flush timer of `20` is a
//! `time.Duration`, so 20 ns), so there the mempool's `CheckTx` reached the
//! application one or a few at a time. Here every `CheckTx` waiting on the socket
//! reaches the submission queue, which admits them together as one batch.
//!
//! At most [`MAX_IN_FLIGHT`] answers wait per connection; past that the reader
//! waits for the writer (CometBFT's writes then wait too). A request longer than
//! [`MAX_REQUEST_BYTES`], one that does not decode, or one `tendermint-rs` cannot
//! convert (CometBFT never sends these) closes the connection with an error in the
//! log, as does a consensus request the application answers with an error; the
//! process and its other connections go on.

use super::Abci;
use crate::error::NodeError;
use prost::Message;
use std::net::SocketAddr;
use tendermint::abci::MethodKind;
use tendermint::v0_38::abci::{
    ConsensusRequest, InfoRequest, MempoolRequest, Request, Response, SnapshotRequest,
};
use tendermint_proto::v0_38::abci as pb;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tower::Service;

/// The longest request read (CometBFT's own limit for an ABCI message, 100 MiB):
/// a `FinalizeBlock` carries a whole block.
pub const MAX_REQUEST_BYTES: u64 = 100 << 20;

/// The most answers waiting to be sent on one connection.
pub const MAX_IN_FLIGHT: usize = 4_096;

/// An answer in the connection's order: a request's task, or a `Flush`.
enum Answer {
    Task(JoinHandle<Result<Response, NodeError>>),
    Flush,
}

/// Serves `services` on `listen` until the process ends.
pub async fn serve(services: Abci, listen: SocketAddr) -> Result<(), NodeError> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| NodeError::AbciConnection(format!("cannot listen on {listen}: {e}")))?;
    tracing::info!(%listen, "ABCI server listening");
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                let _ = socket.set_nodelay(true);
                let services = services.clone();
                tokio::spawn(async move {
                    let (read, write) = socket.into_split();
                    match connection(services, read, write).await {
                        Ok(()) => tracing::info!(%peer, "ABCI connection closed by CometBFT"),
                        Err(e) => tracing::error!(%peer, error = %e, "ABCI connection closed"),
                    }
                });
            }
            Err(e) => {
                // Out of file descriptors, say: wait rather than spin on it.
                tracing::warn!(error = %e, "could not accept an ABCI connection; retrying in 100 ms");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Answers the requests of one connection until it closes or fails.
pub async fn connection(
    services: Abci,
    read: impl AsyncRead + Unpin,
    write: impl AsyncWrite + Unpin,
) -> Result<(), NodeError> {
    let (queue, answers) = mpsc::channel(MAX_IN_FLIGHT);
    tokio::select! {
        read = read_requests(services, BufReader::new(read), queue) => read,
        written = write_answers(BufWriter::new(write), answers) => written,
    }
}

/// Reads requests, starts each one's answer and queues it; ends when CometBFT
/// closes the connection.
async fn read_requests(
    mut services: Abci,
    mut read: impl AsyncRead + Unpin,
    queue: mpsc::Sender<Answer>,
) -> Result<(), NodeError> {
    while let Some(bytes) = read_frame(&mut read).await? {
        let proto = pb::Request::decode(bytes.as_slice())
            .map_err(|e| NodeError::AbciConnection(format!("a request does not decode: {e}")))?;
        let answer = start(&mut services, proto)?;
        if queue.send(answer).await.is_err() {
            break; // the writer stopped, with its reason
        }
    }
    // Let the writer send what was started before the end.
    drop(queue);
    std::future::pending().await
}

/// Starts the answer to one request on its service.
fn start(services: &mut Abci, proto: pb::Request) -> Result<Answer, NodeError> {
    let request = Request::try_from(proto).map_err(|e| {
        NodeError::AbciConnection(format!("a request this application cannot read: {e}"))
    })?;
    let task = match request.kind() {
        MethodKind::Flush => return Ok(Answer::Flush),
        MethodKind::Consensus => spawn::<ConsensusRequest>(services, request)?,
        MethodKind::Mempool => spawn::<MempoolRequest>(services, request)?,
        MethodKind::Info => spawn::<InfoRequest>(services, request)?,
        MethodKind::Snapshot => spawn::<SnapshotRequest>(services, request)?,
    };
    Ok(Answer::Task(task))
}

/// Starts `request`, of the kind `R`, on its service as a task of its own.
fn spawn<R>(
    services: &mut Abci,
    request: Request,
) -> Result<JoinHandle<Result<Response, NodeError>>, NodeError>
where
    R: TryFrom<Request, Error = tendermint::Error>,
    Abci: Service<R, Error = NodeError>,
    <Abci as Service<R>>::Response: Into<Response>,
    <Abci as Service<R>>::Future: Send + 'static,
{
    let request = R::try_from(request).map_err(|e| NodeError::AbciConnection(e.to_string()))?;
    let call = services.call(request);
    Ok(tokio::spawn(async move { call.await.map(Into::into) }))
}

/// Sends the answers in their order, flushing the socket whenever nothing more is
/// ready to send.
async fn write_answers(
    mut write: impl AsyncWrite + Unpin,
    mut answers: mpsc::Receiver<Answer>,
) -> Result<(), NodeError> {
    let mut frame = Vec::new();
    while let Some(answer) = answers.recv().await {
        let response = match answer {
            Answer::Flush => Response::Flush,
            Answer::Task(task) => task.await.map_err(|e| {
                NodeError::AbciConnection(format!("an answer's task failed: {e}"))
            })??,
        };
        frame.clear();
        pb::Response::from(response)
            .encode_length_delimited(&mut frame)
            .expect("a Vec grows as needed");
        write.write_all(&frame).await.map_err(socket_failed)?;
        if answers.is_empty() {
            write.flush().await.map_err(socket_failed)?;
        }
    }
    write.flush().await.map_err(socket_failed)
}

fn socket_failed(e: std::io::Error) -> NodeError {
    NodeError::AbciConnection(format!("the socket failed: {e}"))
}

/// One length-prefixed message; `None` when the connection ends between messages.
async fn read_frame(read: &mut (impl AsyncRead + Unpin)) -> Result<Option<Vec<u8>>, NodeError> {
    let mut len: u64 = 0;
    for i in 0..10 {
        let byte = match read.read_u8().await {
            Ok(byte) => byte,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && i == 0 => return Ok(None),
            Err(e) => return Err(socket_failed(e)),
        };
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return read_body(read, len).await.map(Some);
        }
    }
    Err(NodeError::AbciConnection(
        "a request's length is not a varint of at most 10 bytes".into(),
    ))
}

/// The `len` bytes of a message, read as they arrive (never allocated ahead).
async fn read_body(read: &mut (impl AsyncRead + Unpin), len: u64) -> Result<Vec<u8>, NodeError> {
    if len > MAX_REQUEST_BYTES {
        return Err(NodeError::AbciConnection(format!(
            "a request of {len} bytes, over the limit of {MAX_REQUEST_BYTES}"
        )));
    }
    let mut body = Vec::new();
    read.take(len)
        .read_to_end(&mut body)
        .await
        .map_err(socket_failed)?;
    if body.len() as u64 != len {
        return Err(NodeError::AbciConnection(format!(
            "the connection ended inside a request ({} of {len} bytes)",
            body.len()
        )));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(message: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        prost::encoding::encode_varint(message.len() as u64, &mut out);
        out.extend_from_slice(message);
        out
    }

    #[tokio::test]
    async fn frames_are_read_whole_and_the_end_between_them_is_clean() {
        let mut bytes = frame(b"abc");
        bytes.extend(frame(&[7; 300]));
        let mut read = bytes.as_slice();
        assert_eq!(read_frame(&mut read).await.unwrap().unwrap(), b"abc");
        assert_eq!(read_frame(&mut read).await.unwrap().unwrap(), vec![7; 300]);
        assert!(read_frame(&mut read).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_cut_frame_an_endless_varint_and_an_oversized_length_are_refused() {
        let cut = &frame(b"abcdef")[..4];
        let e = read_frame(&mut &cut[..]).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("ended inside a request (3 of 6 bytes)"),
            "{e}"
        );

        let endless = [0xff_u8; 11];
        let e = read_frame(&mut &endless[..]).await.unwrap_err();
        assert!(e.to_string().contains("not a varint"), "{e}");

        let mut huge = Vec::new();
        prost::encoding::encode_varint(MAX_REQUEST_BYTES + 1, &mut huge);
        let e = read_frame(&mut huge.as_slice()).await.unwrap_err();
        assert!(e.to_string().contains("over the limit"), "{e}");

        let e = read_frame(&mut &[0x80_u8][..]).await.unwrap_err();
        assert!(e.to_string().contains("socket failed"), "{e}");
    }
}
