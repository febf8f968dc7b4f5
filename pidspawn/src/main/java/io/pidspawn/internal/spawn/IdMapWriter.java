package io.pidspawn.internal.spawn;

import io.pidspawn.Errno;
import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes a new user namespace's uid_map and gid_map while its child waits. The spawning thread
 * is suspended in vfork until the child execs, so another thread must do it: it learns the pid
 * from the request (the kernel stores it there at clone time, CLONE_PARENT_SETTID), writes the
 * maps, and sends the child 0 or the errno through a pipe the child reads first
 * (PS_STEP_USERNS_WAIT), as Go's runtime does with its own pipe.
 */
final class IdMapWriter {
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pidspawn-idmap");
        t.setDaemon(true);
        return t;
    });
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final int[] pipe;
    private final Future<?> task;
    private volatile boolean cancelled;

    private IdMapWriter(MemorySegment request, String uidMap, String gidMap, boolean denySetgroups) {
        this.pipe = Libc.pipe2(Libc.O_CLOEXEC);
        if (pipe.length != 2) {
            throw new IllegalStateException("pipe2: " + Errno.describe(-pipe[0]));
        }
        // The request lives in the spawning thread's arena; that thread joins this task before freeing it.
        MemorySegment shared = MemorySegment.ofAddress(request.address()).reinterpret(request.byteSize());
        this.task = THREADS.submit(() -> {
            int pid;
            while ((pid = (int) INT.getVolatile(shared, PlanAbi.RQ_PID)) <= 0 && !cancelled) {
                LockSupport.parkNanos(20_000);
            }
            if (pid > 0) {
                int err = write(pid, "setgroups", denySetgroups ? "deny" : null);
                err = err != 0 ? err : write(pid, "uid_map", uidMap);
                err = err != 0 ? err : write(pid, "gid_map", gidMap);
                send(err);
            }
        });
    }

    /** Starts a writer for a request about to be spawned; the child's sync fd is {@link #childFd()}. */
    static IdMapWriter start(MemorySegment request, String uidMap, String gidMap, boolean denySetgroups) {
        return new IdMapWriter(request, uidMap, gidMap, denySetgroups);
    }

    int childFd() {
        return pipe[0];
    }

    /** After ps_spawn returned: stop waiting if no child came, join, and close the pipe. */
    void finish() {
        cancelled = true;
        try {
            task.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("pidspawn: writing id maps did not finish", e);
        } finally {
            Libc.close(pipe[0]);
            Libc.close(pipe[1]);
        }
    }

    private static int write(int pid, String file, String text) {
        if (text == null) {
            return 0;
        }
        int fd = Libc.openat(Libc.AT_FDCWD, "/proc/" + pid + "/" + file, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            return -fd;
        }
        try (Arena a = Arena.ofConfined()) {
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            long n = Libc.write(fd, a.allocateFrom(ValueLayout.JAVA_BYTE, bytes), bytes.length);
            return n < 0 ? (int) -n : 0;
        } finally {
            Libc.close(fd);
        }
    }

    private void send(int errno) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(ValueLayout.JAVA_INT);
            buf.set(ValueLayout.JAVA_INT, 0, errno);
            Libc.write(pipe[1], buf, 4);
        }
    }
}
