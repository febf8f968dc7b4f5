package io.pidspawn.compat;

import io.pidspawn.compat.AnyBuilder.Side;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Run in a JVM of its own by {@link RelativePathEntryTest}, started in directory A with a PATH
 * holding relative and empty entries (both the JDK and the facade read PATH once, from the
 * environment the JVM started with). For each program name and directory in the arguments
 * ({@code name} or {@code name@dir}) it prints one line per side: what the child printed, or the
 * exception's message.
 */
public final class RelativePathEntries {
    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            int at = arg.indexOf('@');
            String name = at < 0 ? arg : arg.substring(0, at);
            for (Side side : Side.values()) {
                AnyBuilder b = side.builder(name).redirectErrorStream(true);
                if (at >= 0) {
                    b.directory(new File(arg.substring(at + 1)));
                }
                String result;
                try {
                    Process p = b.start();
                    result = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()
                            + " exit " + p.waitFor();
                } catch (IOException e) {
                    result = e.getMessage();
                }
                System.out.println(arg + " " + side + ": " + result);
            }
        }
    }
}
