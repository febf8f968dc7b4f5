package io.pidspawn.internal.spawn;

import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A builder's configuration compiled to native memory once and shared by every run: the plan
 * ops, argv, envp and exec target. A run only adds its own actions and overrides beside it.
 * Freed when the configuration changes or the builder closes, never while a run uses it (the
 * builder's read/write lock guarantees that).
 */
final class CompiledPlan implements AutoCloseable {
    final Arena arena = Arena.ofShared();
    final String program;
    final MemorySegment ops;
    final int opCount;
    /** Ops from this index on run after the run's actions (the sandbox); opCount when there are none. */
    final int tail;
    final String[] opDescriptions;
    final MemorySegment argv;
    final int argc;
    final long argvBytes;
    final MemorySegment envp;
    final int envc;
    final long envpBytes;
    final MemorySegment execPath;
    /** The path for a run whose own actions change directory first (a script's real path when its given one is relative). */
    final MemorySegment execPathAfterChdir;
    /** The filename exec copies onto the new stack, its NUL included (see ArgLimits). */
    final long filenameBytes;
    final int execFd;
    final int execFlags;
    /** How many paths follow execPath's own (NUL-separated) for the child to try in turn when it fails. */
    final int execCount;
    /** Whether runs may share the fd table up to the fds they need (not with inherit-fds). */
    final boolean shareFdTable;
    /** The highest fd the plan itself needs in the child, the exec fd included. */
    final int highestFd;
    /** The highest fd a plan op writes to in the child (a mapping's target), or 2. */
    final int highestTarget;

    CompiledPlan(String program, Ops ops, int tail, List<byte[]> argv, List<byte[]> envp, String scriptName,
                 String scriptAfterChdir, int execFd,
                 int execFlags, List<String> fallback, boolean shareFdTable) {
        this.program = program;
        this.ops = ops.write(arena);
        this.opCount = ops.size();
        this.tail = tail;
        this.opDescriptions = ops.descriptions.toArray(String[]::new);
        this.argv = strings(arena, argv);
        this.argc = argv.size();
        this.argvBytes = ArgLimits.stringBytes(argv);
        this.envp = strings(arena, envp);
        this.envc = envp.size();
        this.envpBytes = ArgLimits.stringBytes(envp);
        String then = fallback.stream().map(f -> "\0" + f).collect(Collectors.joining());
        this.execPath = arena.allocateFrom((scriptName != null ? scriptName : "") + then);
        this.execPathAfterChdir = scriptAfterChdir != null && !scriptAfterChdir.equals(scriptName)
                ? arena.allocateFrom(scriptAfterChdir + then) : execPath;
        this.execFd = execFd;
        long filename = Math.max(ArgLimits.filenameBytes(scriptName, execFd), ArgLimits.filenameBytes(scriptAfterChdir, execFd));
        for (String f : fallback) {
            filename = Math.max(filename, ArgLimits.filenameBytes(f, Libc.AT_FDCWD));
        }
        this.filenameBytes = filename;
        this.execFlags = execFlags;
        this.execCount = fallback.size();
        this.shareFdTable = shareFdTable;
        this.highestFd = Math.max(ops.highestFd(), execFd);
        this.highestTarget = ops.highestTarget();
    }

    @Override
    public void close() {
        arena.close();
    }

    /** A NULL-terminated char *[] with its strings, in one allocation each. */
    static MemorySegment strings(Arena arena, List<byte[]> strings) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, strings.size() + 1L);
        long total = ArgLimits.stringBytes(strings);
        MemorySegment text = arena.allocate(Math.max(total, 1));
        long off = 0;
        for (int i = 0; i < strings.size(); i++) {
            byte[] s = strings.get(i);
            MemorySegment.copy(s, 0, text, ValueLayout.JAVA_BYTE, off, s.length);
            text.set(ValueLayout.JAVA_BYTE, off + s.length, (byte) 0);
            array.setAtIndex(ValueLayout.ADDRESS, i, text.asSlice(off));
            off += s.length + 1;
        }
        array.setAtIndex(ValueLayout.ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    /**
     * An op list being assembled, each op with the description its failure is reported by. An
     * op's data (a path, a long[] or an int[]) is copied to native memory beside the ops and
     * passed by address in {@code arg}.
     */
    static final class Ops {
        private final List<long[]> ops = new ArrayList<>();
        private final List<Object> data = new ArrayList<>();
        final List<String> descriptions = new ArrayList<>();
        private int highestFd = 2;
        private int highestTarget = 2;

        void add(int code, int fd, int newfd, int flags, Object data, long arg, long arg2, String description) {
            ops.add(new long[] {code, fd, newfd, flags, arg, arg2});
            this.data.add(data);
            descriptions.add(description);
            note(code, fd, newfd);
        }

        /** As {@link #add}, before every op already added. */
        void addFirst(int code, int fd, String description) {
            ops.addFirst(new long[] {code, fd, 0, 0, 0, 0});
            data.addFirst(null);
            descriptions.addFirst(description);
            note(code, fd, 0);
        }

        private void note(int code, int fd, int newfd) {
            if (usesFd(code, fd)) {
                highestFd = Math.max(highestFd, fd);
            }
            if (code == SpawnStep.DUP2.code() || code == SpawnStep.OPEN.code()) {
                highestTarget = Math.max(highestTarget, newfd);
            }
        }

        /** The highest fd an op writes to in the child (at least 2). */
        int highestTarget() {
            return highestTarget;
        }

        /** Whether an op's fd field names a fd of the parent's the child must have. */
        private static boolean usesFd(int code, int fd) {
            return fd >= 0 && (code == SpawnStep.CLOSE.code() || code == SpawnStep.DUP2.code()
                    || code == SpawnStep.OPEN.code() || code == SpawnStep.FCHDIR.code() || code == SpawnStep.SETCTTY.code()
                    || code == SpawnStep.LANDLOCK.code()
                    || code == SpawnStep.CGROUP_JOIN.code());
        }

        /** The highest parent fd an op needs in the child (at least 2). */
        int highestFd() {
            return highestFd;
        }

        int size() {
            return ops.size();
        }

        MemorySegment write(Arena arena) {
            MemorySegment seg = arena.allocate(PlanAbi.OP, Math.max(ops.size(), 1));
            for (int i = 0; i < ops.size(); i++) {
                long[] op = ops.get(i);
                long base = i * PlanAbi.OP.byteSize();
                seg.set(ValueLayout.JAVA_INT, base + PlanAbi.OP_CODE, (int) op[0]);
                seg.set(ValueLayout.JAVA_INT, base + PlanAbi.OP_FD, (int) op[1]);
                seg.set(ValueLayout.JAVA_INT, base + PlanAbi.OP_NEWFD, (int) op[2]);
                seg.set(ValueLayout.JAVA_INT, base + PlanAbi.OP_FLAGS, (int) op[3]);
                long arg = switch (data.get(i)) {
                    case null -> op[4];
                    case String path -> arena.allocateFrom(path, StandardCharsets.UTF_8).address();
                    case long[] longs -> arena.allocateFrom(ValueLayout.JAVA_LONG, longs).address();
                    case int[] ints -> arena.allocateFrom(ValueLayout.JAVA_INT, ints.length == 0 ? new int[1] : ints).address();
                    case SeccompFilter.Program program -> program.write(arena);
                    default -> throw new IllegalArgumentException("op data " + data.get(i).getClass());
                };
                seg.set(ValueLayout.JAVA_LONG, base + PlanAbi.OP_ARG, arg);
                seg.set(ValueLayout.JAVA_LONG, base + PlanAbi.OP_ARG2, op[5]);
            }
            return seg;
        }
    }
}
