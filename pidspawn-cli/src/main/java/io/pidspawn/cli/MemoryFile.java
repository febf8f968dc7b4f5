package io.pidspawn.cli;

import io.pidspawn.ErrnoException;
import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A job's stdin text as a memfd (memfd_create, Linux 3.17): the child reads it as a file, so
 * nobody has to feed a pipe and nothing is written to disk. The child's stdin shares the open
 * file, and so the offset, with ours; ours is closed as soon as the child is spawned.
 */
final class MemoryFile {
    private MemoryFile() {}

    /** A close-on-exec memfd holding {@code data}, its offset at 0. The caller closes it. */
    static int of(byte[] data) throws ErrnoException {
        int fd = Libc.memfdCreate("pidspawn-batch-stdin", Libc.MFD_CLOEXEC);
        if (fd < 0) {
            throw new ErrnoException("memfd_create", -fd, "for a job's stdin");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            for (long done = 0; done < data.length; ) {
                long n = Libc.write(fd, buf.asSlice(done), data.length - done);
                if (n < 0) {
                    throw new ErrnoException("write", (int) -n, "a job's stdin to its memfd");
                }
                done += n;
            }
            long r = Libc.lseek(fd, 0, Libc.SEEK_SET);
            if (r < 0) {
                throw new ErrnoException("lseek", (int) -r, "a job's stdin memfd");
            }
            int ready = fd;
            fd = -1;
            return ready;
        } finally {
            if (fd >= 0) {
                Libc.close(fd);
            }
        }
    }
}
