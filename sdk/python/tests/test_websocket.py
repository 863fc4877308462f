"""Frames, masking, fragmentation, ping/pong, close and the handshake check, over socketpairs."""

import os
import socket
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import timber  # noqa: E402


def server_frame(opcode, payload, fin=True):
    """What a server sends: unmasked."""
    return timber.encode_frame(opcode, payload, fin=fin, mask=b"")


class FrameTests(unittest.TestCase):
    def test_accept_key_matches_the_rfc_example(self):
        self.assertEqual(
            timber.websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        )

    def test_client_frames_are_masked_and_decode_back(self):
        payload = b'{"op":"ping"}'
        frame = timber.encode_frame(timber.OP_TEXT, payload, mask=b"\x01\x02\x03\x04")
        self.assertEqual(frame[0], 0x81)
        self.assertEqual(frame[1], 0x80 | len(payload))
        self.assertEqual(frame[2:6], b"\x01\x02\x03\x04")
        self.assertNotEqual(frame[6:], payload)
        [(fin, opcode, decoded)] = timber.FrameDecoder().feed(frame)
        self.assertEqual((fin, opcode, decoded), (True, timber.OP_TEXT, payload))

    def test_random_masks_differ_between_frames(self):
        one = timber.encode_frame(timber.OP_TEXT, b"same")
        two = timber.encode_frame(timber.OP_TEXT, b"same")
        self.assertNotEqual(one[2:6], two[2:6])

    def test_every_length_encoding_round_trips(self):
        for length in (0, 1, 125, 126, 127, 65535, 65536, 200_000):
            payload = os.urandom(length)
            for mask in (b"", None):
                frame = timber.encode_frame(timber.OP_BINARY, payload, mask=mask)
                frames = timber.FrameDecoder().feed(frame)
                self.assertEqual(frames, [(True, timber.OP_BINARY, payload)], f"length {length}")

    def test_many_frames_in_one_read_and_frames_split_across_reads(self):
        stream = b"".join(server_frame(timber.OP_TEXT, f"m{i}".encode() * 50) for i in range(20))
        self.assertEqual(len(timber.FrameDecoder().feed(stream)), 20)
        decoder = timber.FrameDecoder()
        got = []
        for index in range(len(stream)):
            got += decoder.feed(stream[index : index + 1])
        self.assertEqual([p for _, _, p in got], [f"m{i}".encode() * 50 for i in range(20)])

    def test_reserved_bits_and_long_control_frames_are_protocol_errors(self):
        with self.assertRaises(timber.ProtocolError):
            timber.FrameDecoder().feed(bytes([0xC1, 0x00]))
        with self.assertRaises(timber.ProtocolError):
            timber.FrameDecoder().feed(server_frame(timber.OP_PING, b"x" * 126))


class ConnectionTests(unittest.TestCase):
    def setUp(self):
        self.client_sock, self.server = socket.socketpair()
        self.ws = timber.WebSocket(self.client_sock)

    def tearDown(self):
        self.ws.close(wait=0)
        self.server.close()

    def read_client_frames(self):
        self.server.settimeout(2)
        return timber.FrameDecoder().feed(self.server.recv(65536))

    def test_fragmented_text_is_reassembled_across_reads(self):
        self.server.sendall(server_frame(timber.OP_TEXT, b'{"a":', fin=False))
        self.server.sendall(server_frame(timber.OP_CONTINUATION, b"1", fin=False))
        self.server.sendall(server_frame(timber.OP_CONTINUATION, "}\u00e9".encode(), fin=True))
        self.assertEqual(self.ws.recv(2), '{"a":1}\u00e9')

    def test_a_ping_between_fragments_is_answered_with_a_pong(self):
        self.server.sendall(
            server_frame(timber.OP_TEXT, b"he", fin=False)
            + server_frame(timber.OP_PING, b"beat")
            + server_frame(timber.OP_CONTINUATION, b"llo")
        )
        self.assertEqual(self.ws.recv(2), "hello")
        [(fin, opcode, payload)] = self.read_client_frames()
        self.assertEqual((opcode, payload), (timber.OP_PONG, b"beat"))

    def test_a_timeout_returns_none_and_the_connection_stays_usable(self):
        self.assertIsNone(self.ws.recv(0.05))
        self.server.sendall(server_frame(timber.OP_TEXT, b"later"))
        self.assertEqual(self.ws.recv(2), "later")

    def test_pending_counts_messages_parsed_from_one_read(self):
        self.server.sendall(b"".join(server_frame(timber.OP_TEXT, b"x") for _ in range(5)))
        self.assertEqual(self.ws.recv(2), "x")
        self.assertEqual(self.ws.pending(), 4)

    def test_a_server_close_is_echoed_and_raised_after_buffered_messages(self):
        self.server.sendall(
            server_frame(timber.OP_TEXT, b"last") + server_frame(timber.OP_CLOSE, b"\x03\xf4bye")
        )
        self.assertEqual(self.ws.recv(2), "last")
        with self.assertRaises(timber.WebSocketClosed) as caught:
            self.ws.recv(2)
        self.assertEqual((caught.exception.code, caught.exception.reason), (1012, "bye"))
        [(_, opcode, payload)] = self.read_client_frames()
        self.assertEqual((opcode, payload), (timber.OP_CLOSE, b"\x03\xf4"))

    def test_our_close_sends_a_close_frame_and_waits_for_the_answer(self):
        def answer():
            frames = self.read_client_frames()
            self.server.sendall(server_frame(timber.OP_CLOSE, frames[0][2][:2]))

        thread = threading.Thread(target=answer)
        thread.start()
        self.ws.close(1000, "done", wait=2)
        thread.join()
        self.assertEqual(self.ws.closed.code, 1000)

    def test_a_hang_up_without_close_frame_is_1006(self):
        self.server.close()
        with self.assertRaises(timber.WebSocketClosed) as caught:
            self.ws.recv(2)
        self.assertEqual(caught.exception.code, 1006)

    def test_invalid_utf8_text_closes_with_1007(self):
        self.server.sendall(server_frame(timber.OP_TEXT, b"\xff\xfe"))
        with self.assertRaises(timber.WebSocketClosed) as caught:
            self.ws.recv(2)
        self.assertEqual(caught.exception.code, 1007)

    def test_client_text_is_one_masked_frame(self):
        self.ws.send_text('{"op":"ack","seq":3}')
        [(fin, opcode, payload)] = self.read_client_frames()
        self.assertEqual((fin, opcode, payload), (True, timber.OP_TEXT, b'{"op":"ack","seq":3}'))


class HandshakeTests(unittest.TestCase):
    def serve_once(self, answer_for):
        listener = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(listener.close)
        seen = {}

        def serve():
            conn, _ = listener.accept()
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            lines = request.decode().split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            seen.update(headers, path=lines[0].split(" ")[1])
            conn.sendall(answer_for(headers))
            seen["conn"] = conn

        thread = threading.Thread(target=serve)
        thread.start()
        return listener.getsockname()[1], thread, seen

    def test_handshake_sends_the_key_and_checks_the_accept(self):
        def answer(headers):
            accept = timber.websocket_accept(headers["Sec-WebSocket-Key"])
            return (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode() + server_frame(timber.OP_TEXT, b"hello")

        port, thread, seen = self.serve_once(answer)
        ws = timber.WebSocket.connect(
            f"ws://127.0.0.1:{port}/stream", {"Authorization": "Bearer t"}
        )
        thread.join()
        self.assertEqual(ws.recv(2), "hello")  # bytes right after the headers are not lost
        self.assertEqual(seen["path"], "/stream")
        self.assertEqual(seen["Authorization"], "Bearer t")
        self.assertEqual(
            ws.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0, True
        )
        ws.close(wait=0)
        seen["conn"].close()

    def test_a_wrong_accept_is_refused(self):
        def answer(headers):
            return (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBvbmU=\r\n\r\n"
            ).encode()

        port, thread, seen = self.serve_once(answer)
        with self.assertRaises(timber.HandshakeError):
            timber.WebSocket.connect(f"ws://127.0.0.1:{port}/stream")
        thread.join()
        seen["conn"].close()

    def test_an_http_error_names_the_status_and_the_api_message(self):
        body = b'{"error":{"code":"unauthorized","message":"the token has expired"}}'

        def answer(headers):
            return (
                f"HTTP/1.1 401 Unauthorized\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
            )

        port, thread, seen = self.serve_once(answer)
        with self.assertRaises(timber.HandshakeError) as caught:
            timber.WebSocket.connect(f"ws://127.0.0.1:{port}/stream")
        thread.join()
        seen["conn"].close()
        self.assertEqual(caught.exception.status, 401)
        self.assertIn("the token has expired", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
