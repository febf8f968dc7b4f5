import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Copies a jar with its pre-Java-6 class files (major version below 50) rewritten as version 52,
 * with the stack maps the type-checking verifier needs, computed by the JDK's ClassFile API. The
 * copy is replaced only when its bytes change, so that a rebuild leaves it, and the AOT cache
 * made for it, as they are. For bin/pidspawn's AOT cache: picocli ships Java 5 class files,
 * and the JVM stores only classes it verified by stack maps (JEP 483), so without this every one
 * of picocli's classes is loaded, parsed and verified from the jar at each start (about 100 ms of
 * `run`'s start here). Instructions are copied as they are; a method that cannot be given stack
 * maps (jsr/ret, which javac has not emitted since Java 6) fails the build with its name.
 *
 * <p>Usage: {@code java Reversion.java FROM.jar TO.jar}; says what it did in one line.
 */
public final class Reversion {
    private static final int OLDEST_VERIFIED_BY_STACK_MAPS = ClassFile.JAVA_6_VERSION;
    private static final int TARGET = ClassFile.JAVA_8_VERSION;

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java Reversion.java FROM.jar TO.jar");
            System.exit(2);
        }
        Path from = Path.of(args[0]), to = Path.of(args[1]);
        int rewritten = copy(from, to);
        System.out.println("reversion: " + to.getFileName() + ": " + (rewritten < 0 ? "up to date" : rewritten
                + " class files from before Java 6 now version " + TARGET + " with stack maps"));
    }

    /**
     * Writes {@code to} from {@code jar}; returns how many class files were rewritten, or -1 when
     * {@code to} already held these bytes and was left untouched.
     */
    static int copy(Path jar, Path to) throws IOException {
        Path out = to.resolveSibling(to.getFileName() + ".reversion");
        int rewritten = 0;
        // Stack maps name the common supertype of two branches: the jar's own classes must be resolvable.
        try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
                JarFile in = new JarFile(jar.toFile(), false)) {
            ClassFile classFile = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(
                            ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(classes))));
            try (OutputStream file = Files.newOutputStream(out); JarOutputStream zip = new JarOutputStream(file)) {
                for (JarEntry entry : Collections.list(in.entries())) {
                    if (entry.getName().startsWith("META-INF/") && entry.getName().endsWith(".SF")) {
                        throw new IllegalStateException(jar + " is signed: rewriting its classes would break the signature");
                    }
                    byte[] bytes = in.getInputStream(entry).readAllBytes();
                    if (entry.getName().endsWith(".class") && isOld(bytes)) {
                        bytes = upgrade(classFile, entry.getName(), bytes);
                        rewritten++;
                    }
                    JarEntry copy = new JarEntry(entry.getName());
                    copy.setTime(entry.getTime()); // the same jar, byte for byte, from the same input
                    zip.putNextEntry(copy);
                    zip.write(bytes);
                    zip.closeEntry();
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
        if (Files.exists(to) && Files.mismatch(out, to) == -1) {
            Files.delete(out);
            return -1;
        }
        Files.move(out, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return rewritten;
    }

    /** Whether a class file's major version (its bytes 6 and 7) is below 50. */
    private static boolean isOld(byte[] bytes) {
        return bytes.length >= 8 && (((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff)) < OLDEST_VERIFIED_BY_STACK_MAPS;
    }

    private static byte[] upgrade(ClassFile classFile, String name, byte[] bytes) {
        ClassModel model = classFile.parse(bytes);
        // Every method body goes through the builder again, which computes its stack maps for the new version.
        ClassTransform version = (builder, element) -> {
            if (element instanceof ClassFileVersion) {
                builder.withVersion(TARGET, 0);
            } else {
                builder.with(element);
            }
        };
        try {
            return classFile.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL).andThen(version));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(name + ": cannot be given stack maps: " + e.getMessage(), e);
        }
    }
}
