package io.pidspawn.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Downcall plumbing shared by the bindings: the linker, libc's symbols, and errno capture.
 *
 * <p>Every binding that can fail captures errno with {@link Linker.Option#captureCallState}; the
 * capture segment belongs to the calling thread (virtual threads included), never to a shared
 * static, so no call can read another call's errno.
 */
public final class Native {
    public static final Linker LINKER = Linker.nativeLinker();
    public static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    /** The most a {@link #scratch} call hands out. */
    public static final int SCRATCH_BYTES = 512;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_BYTES, 16));

    private Native() {}

    /** "": a path argument meaning the fd itself (AT_EMPTY_PATH). */
    public static final MemorySegment EMPTY_STRING = Arena.global().allocate(1);

    /**
     * s as a NUL-terminated UTF-8 string in room when it fits there (room is zeroed, as
     * {@link #scratch} hands it out), else in memory from arena.
     */
    public static MemorySegment cString(String s, MemorySegment room, Arena arena) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (utf8.length >= room.byteSize()) {
            return arena.allocateFrom(s);
        }
        MemorySegment.copy(utf8, 0, room, ValueLayout.JAVA_BYTE, 0, utf8.length);
        return room.asSlice(0, utf8.length + 1);
    }

    /**
     * The calling thread's scratch memory, {@code bytes} of it zeroed, for the fixed-size
     * arguments of a call that returns before its caller makes another (a struct pollfd, a
     * siginfo and its rusage): no malloc and free per call, which on the spawn path were a tenth
     * of the parent's own instructions. Valid until the thread's next scratch call; a caller
     * that needs more keeps its own Arena.
     */
    public static MemorySegment scratch(long bytes) {
        return SCRATCH.get().asSlice(0, bytes).fill((byte) 0);
    }

    /** A downcall to a libc function whose errno the caller reads with {@link #errno}. */
    public static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(LIBC, name), fd, options);
    }

    /**
     * syscall(2)'s shape, {@code long f(long, long, long, long, long, long, long)} with errno
     * captured: libc's syscall and the trampoline's ps_call share it, so the JDK links it once
     * (its downcall cache is keyed by descriptor and options, not by the function). The option
     * that marks syscall's arguments variadic changes nothing for a function that is not on
     * Linux's x86_64 and aarch64 ABIs (it only sets %al on x86_64).
     */
    public static MethodHandle syscallShape(SymbolLookup lookup, String name) {
        return LINKER.downcallHandle(symbol(lookup, name), SYSCALL_SHAPE, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    }

    private static final FunctionDescriptor SYSCALL_SHAPE = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);

    /** A downcall that cannot fail (or reports failure in its return value). */
    public static MethodHandle call(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(lookup, name), fd);
    }

    /** Whether libc has a symbol: optional functions are probed, never assumed. */
    public static boolean libcHas(String name) {
        return LIBC.find(name).isPresent();
    }

    private static MemorySegment symbol(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("native symbol not found: " + name));
    }

    /** The calling thread's capture segment, passed as the first argument of an errno call. */
    public static MemorySegment state() {
        return STATE.get();
    }

    /** The errno the calling thread's last errno call captured. */
    public static int errno() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    /** {@code -1 + errno} to {@code -errno}: the one convention the bindings return. */
    public static int result(int r) {
        return r == -1 ? -errno() : r;
    }

    public static long result(long r) {
        return r == -1 ? -errno() : r;
    }

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;
    static final java.lang.foreign.AddressLayout C_POINTER = ValueLayout.ADDRESS;
}
