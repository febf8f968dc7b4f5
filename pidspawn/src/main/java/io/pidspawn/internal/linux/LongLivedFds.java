package io.pidspawn.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the library keeps its own fds (pidfds of supervised children, the reaper's epoll and
 * eventfd, pipe ends it drains, builders and their pinned executables, posix_spawn's reserve):
 * at or above a floor, by default 1024, out of the low numbers callers choose, so that the fds a
 * spawn hands to its child, which the kernel allocates lowest-first, stay below them. A spawn
 * then copies only the low part of the fd table (see the trampoline's files_limit), however many
 * children are supervised.
 *
 * <p>The floor is the system property {@code pidspawn.longLivedFdFloor}; fds stay where they are
 * when RLIMIT_NOFILE leaves no room above it.
 *
 * <p>The fds that never leave the library (see {@link #moveInternal}) are also remembered, by
 * number and file, so that a spawn's file action naming one is refused with EBADF, as for any
 * fd the caller never opened: a caller's file action must never hand a child the library's fd.
 * A number whose fd was closed behind the library's back and reused holds another file, and is
 * the caller's again.
 */
public final class LongLivedFds {
    private static final int FLOOR = Integer.getInteger("pidspawn.longLivedFdFloor", 1024);
    private static final int STATX_INO = 0x100;

    /**
     * Whether RLIMIT_NOFILE was once at least twice the floor. The JVM raises the soft limit to
     * the hard one at start, and a limit lowered later only makes the move fail (EINVAL below the
     * floor), which leaves the fd where it is: so the limit is read only until it leaves room,
     * not per spawn.
     */
    private static volatile boolean roomy;

    /** Number to file (inode, device) of each fd the library keeps for itself. */
    private static final Map<Integer, Long> INTERNAL = new ConcurrentHashMap<>();

    private LongLivedFds() {}

    /**
     * Moves a fd the caller owns to the long-lived range and returns its new number (the old one
     * is closed), or returns it unchanged where it cannot move. Close-on-exec either way.
     */
    public static int move(int fd) {
        if (fd < 0 || fd >= FLOOR || FLOOR <= 0) {
            return fd;
        }
        if (!roomy) { // until RLIMIT_NOFILE was seen to leave room: then it is not read again
            long limit = Libc.getrlimitSoft(Libc.RLIMIT_NOFILE);
            if (limit > 0 && limit < 2L * FLOOR) {
                return fd;
            }
            roomy = true;
        }
        int moved = Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, FLOOR);
        if (moved < 0) {
            // EMFILE: the range is full; EINVAL: the limit was lowered below the floor since it
            // was read. A low fd still works, it only costs spawns a little.
            return fd;
        }
        Libc.close(fd);
        return moved;
    }

    /**
     * As {@link #move}, for a fd no caller ever sees (a pinned executable, the reaper's epoll,
     * posix_spawn's reserve...): its number is remembered until {@link #closeInternal}.
     */
    public static int moveInternal(int fd) {
        int moved = move(fd);
        markInternal(moved);
        return moved;
    }

    /**
     * Remembers fd, where it is, as one no caller ever sees (a Command's copy of a child's stdio
     * source), until {@link #closeInternal}.
     */
    public static void markInternal(int fd) {
        long file = fileOf(fd);
        if (file != -1) {
            synchronized (INTERNAL) {
                INTERNAL.put(fd, file);
            }
        }
    }

    /**
     * Closes a fd {@link #moveInternal} or {@link #markInternal} took, or any fd (forgetting a
     * number that was never remembered does nothing). Closing and forgetting are one step: the
     * number can only come back from the kernel after the close, and is remembered again only
     * after it was forgotten here.
     */
    public static void closeInternal(int fd) {
        if (fd >= 0) {
            synchronized (INTERNAL) {
                Libc.close(fd);
                INTERNAL.remove(fd);
            }
        }
    }

    /** Whether fd is one of the library's own, which no caller opened: the number it took, still on its file. */
    public static boolean isInternal(int fd) {
        Long file = INTERNAL.get(fd);
        return file != null && file == fileOf(fd);
    }

    /** The file open at fd, as its inode and device in one long (statx), or -1. */
    private static long fileOf(int fd) {
        if (fd < 0) {
            return -1;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256, 8); // struct statx
            if (Libc.statx(fd, Native.EMPTY_STRING, Libc.AT_EMPTY_PATH, STATX_INO, buf) < 0) {
                return -1;
            }
            long ino = buf.get(ValueLayout.JAVA_LONG, 32); // stx_ino
            long dev = ((long) buf.get(ValueLayout.JAVA_INT, 136) << 20) ^ buf.get(ValueLayout.JAVA_INT, 140); // stx_dev_*
            return ino * 1_000_003L ^ dev;
        }
    }
}
