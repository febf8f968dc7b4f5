package io.pidspawn;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An {@link OutputListener} that splits each stream into lines: {@code \n} ends a line, a
 * {@code \r} just before it is dropped (CRLF), the line is decoded with the charset (malformed
 * input becomes U+FFFD, never an exception), a line longer than the maximum is delivered in
 * pieces of that many chars (a surrogate pair is never cut: the piece before it is one char
 * shorter), and a last line without a newline is delivered at the end of its stream. Lines of stdout and stderr are decoded apart, so a line of one never mixes into the
 * other.
 *
 * <pre>{@code
 * try (Command make = Command.builder("sh").args("-c", "echo compiling; echo 'warning: x' >&2; printf linked")
 *         .stdout(Stdio.pipe()).stderr(Stdio.pipe()).build();
 *      Child child = make.spawn()) {
 *     CompletableFuture<Void> done = child.onOutput(LineListener.of((stream, line) ->
 *             seen.add(stream + ": " + line)));           // one call at a time, in order per stream
 *     done.join();                                        // both streams at their end, the last line told
 *     ExitStatus status = child.waitFor();
 * }
 * }</pre>
 */
public final class LineListener implements OutputListener {
    /** Receives one line (without its terminator) or one piece of a long line. */
    @FunctionalInterface
    public interface Lines {
        /**
         * One line or piece.
         *
         * @param stream which output it came from
         * @param line the text, without its line terminator
         */
        void line(StdStream stream, String line);
    }

    /** The default maximum: a line longer than this many chars comes in pieces. */
    public static final int DEFAULT_MAX_LENGTH = 64 * 1024;

    private final Lines lines;
    private final int maxLength;
    private final Splitter[] splitters = new Splitter[StdStream.values().length];

    private LineListener(Charset charset, int maxLength, Lines lines) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maximum line length " + maxLength + " is not positive");
        }
        this.lines = Objects.requireNonNull(lines, "lines");
        this.maxLength = maxLength;
        for (StdStream s : StdStream.values()) {
            splitters[s.ordinal()] = new Splitter(s, Objects.requireNonNull(charset, "charset"));
        }
    }

    /**
     * UTF-8 lines of at most {@value #DEFAULT_MAX_LENGTH} chars.
     *
     * @param lines receives each line
     * @return the listener, for {@link Child#onOutput}
     */
    public static LineListener of(Lines lines) {
        return new LineListener(StandardCharsets.UTF_8, DEFAULT_MAX_LENGTH, lines);
    }

    /**
     * Lines in {@code charset} (malformed input replaced, never thrown), a line longer than
     * {@code maxLength} chars delivered in pieces of that length.
     *
     * @param charset the output's encoding
     * @param maxLength the longest line delivered whole, 1 or more
     * @param lines receives each line or piece
     * @return the listener, for {@link Child#onOutput}
     * @throws IllegalArgumentException if {@code maxLength} is not positive
     */
    public static LineListener of(Charset charset, int maxLength, Lines lines) {
        return new LineListener(charset, maxLength, lines);
    }

    @Override
    public void onChunk(StdStream stream, byte[] bytes) {
        splitters[stream.ordinal()].feed(bytes);
    }

    @Override
    public void onEnd(StdStream stream) {
        splitters[stream.ordinal()].end();
    }

    private final class Splitter {
        private final StdStream stream;
        private final CharsetDecoder decoder;
        private final StringBuilder line = new StringBuilder();
        private final CharBuffer out = CharBuffer.allocate(8192);
        private ByteBuffer carry = ByteBuffer.allocate(0); // bytes of a char split across chunks
        private boolean cr; // the last char seen was a \r, held back until we know what follows
        private boolean split; // the line so far was just delivered as a piece: its \n ends nothing new

        Splitter(StdStream stream, Charset charset) {
            this.stream = stream;
            this.decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
        }

        void feed(byte[] bytes) {
            ByteBuffer in;
            if (carry.hasRemaining()) {
                in = ByteBuffer.allocate(carry.remaining() + bytes.length).put(carry).put(bytes).flip();
            } else {
                in = ByteBuffer.wrap(bytes);
            }
            decode(in, false);
            carry = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : ByteBuffer.allocate(0);
        }

        void end() {
            decode(carry, true);
            carry = ByteBuffer.allocate(0);
            while (decoder.flush(out).isOverflow()) {
                take();
            }
            take();
            if (cr) {
                append('\r');
                cr = false;
            }
            if (!line.isEmpty()) {
                emit();
            }
            decoder.reset();
        }

        private void decode(ByteBuffer in, boolean last) {
            while (decoder.decode(in, out, last).isOverflow()) {
                take();
            }
            take();
        }

        private void take() {
            out.flip();
            while (out.hasRemaining()) {
                char c = out.get();
                if (cr) {
                    cr = false;
                    if (c == '\n') {
                        endLine();
                        continue;
                    }
                    append('\r');
                }
                if (c == '\n') {
                    endLine();
                } else if (c == '\r') {
                    cr = true;
                } else {
                    append(c);
                }
            }
            out.clear();
        }

        private void append(char c) {
            line.append(c);
            split = false;
            if (line.length() < maxLength) {
                return;
            }
            if (!Character.isHighSurrogate(c)) {
                emit();
                split = true;
            } else if (line.length() > 1) {
                // a piece never ends between the two chars of one code point: this one starts the next
                line.setLength(line.length() - 1);
                emit();
                line.append(c);
            } // else a maximum of 1: the piece is the whole code point, told with its low surrogate
        }

        private void endLine() {
            if (!split || !line.isEmpty()) {
                emit();
            }
            split = false;
        }

        private void emit() {
            String s = line.toString();
            line.setLength(0);
            lines.line(stream, s);
        }
    }
}
