package io.pidspawn.compat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The streams a process gets for fds that are not pipes to this process, as the JDK's
 * ProcessBuilder documents them: reading finds end of file at once, writing fails.
 */
final class NullStreams {
    /** Always at end of file; closing it changes nothing. */
    static final InputStream INPUT = new InputStream() {
        @Override
        public int read() {
            return -1;
        }

        @Override
        public int available() {
            return 0;
        }
    };

    /** Every write throws {@code IOException("Stream closed")}. */
    static final OutputStream OUTPUT = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed");
        }
    };

    private NullStreams() {}
}
