package io.pidspawn.compat;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A mutable copy of this process's environment that refuses, as the JDK's
 * {@code ProcessBuilder.environment()} does, names with {@code =} or NUL, values with NUL, null
 * keys and values (NullPointerException) and keys, values and entries that are not strings
 * (ClassCastException), in its views as in the map itself. The empty name is a name, as in the
 * JDK: the child gets {@code =value}.
 */
final class CheckedEnvironment extends AbstractMap<String, String> {
    private final Map<String, String> vars;

    CheckedEnvironment() {
        vars = new HashMap<>(System.getenv());
    }

    private CheckedEnvironment(Map<String, String> vars) {
        this.vars = vars;
    }

    /** Runtime.exec's envp: see {@link PidspawnProcessBuilder#environment(String[])}. */
    static CheckedEnvironment ofEnvp(String[] envp) {
        Map<String, String> vars = new HashMap<>();
        for (String entry : envp) {
            int nul = entry.indexOf('\0');
            String e = nul >= 0 ? entry.substring(0, nul) : entry;
            int eq = e.indexOf('=');
            if (eq >= 0) {
                vars.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        return new CheckedEnvironment(vars);
    }

    @Override
    public String put(String name, String value) {
        return vars.put(checkName(name), checkValue(value));
    }

    @Override
    public String get(Object name) {
        return vars.get(asName(name));
    }

    @Override
    public boolean containsKey(Object name) {
        return vars.containsKey(asName(name));
    }

    @Override
    public boolean containsValue(Object value) {
        return vars.containsValue(asValue(value));
    }

    @Override
    public String remove(Object name) {
        return vars.remove(asName(name));
    }

    @Override
    public void clear() {
        vars.clear();
    }

    @Override
    public int size() {
        return vars.size();
    }

    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<String> iterator() {
                return vars.keySet().iterator();
            }

            @Override
            public int size() {
                return vars.size();
            }

            @Override
            public boolean contains(Object name) {
                return vars.containsKey(asName(name));
            }

            @Override
            public boolean remove(Object name) {
                return vars.keySet().remove(asName(name));
            }

            @Override
            public void clear() {
                vars.clear();
            }
        };
    }

    @Override
    public Collection<String> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<String> iterator() {
                return vars.values().iterator();
            }

            @Override
            public int size() {
                return vars.size();
            }

            @Override
            public boolean contains(Object value) {
                return vars.containsValue(asValue(value));
            }

            @Override
            public boolean remove(Object value) {
                return vars.values().remove(asValue(value));
            }

            @Override
            public void clear() {
                vars.clear();
            }
        };
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public boolean contains(Object o) {
                return vars.entrySet().contains(asEntry(o));
            }

            @Override
            public boolean remove(Object o) {
                return vars.entrySet().remove(asEntry(o));
            }

            @Override
            public Iterator<Entry<String, String>> iterator() {
                Iterator<Entry<String, String>> it = vars.entrySet().iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Entry<String, String> next() {
                        return new CheckedEntry(it.next());
                    }

                    @Override
                    public void remove() {
                        it.remove();
                    }
                };
            }

            @Override
            public int size() {
                return vars.size();
            }

            @Override
            public void clear() {
                vars.clear();
            }
        };
    }

    /** An entry whose setValue checks the value. */
    private record CheckedEntry(Entry<String, String> e) implements Entry<String, String> {
        @Override
        public String getKey() {
            return e.getKey();
        }

        @Override
        public String getValue() {
            return e.getValue();
        }

        @Override
        public String setValue(String value) {
            return e.setValue(checkValue(value));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry<?, ?> other && Objects.equals(getKey(), other.getKey())
                    && Objects.equals(getValue(), other.getValue());
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(getKey()) ^ Objects.hashCode(getValue());
        }

        @Override
        public String toString() {
            return getKey() + "=" + getValue();
        }
    }

    private static String asName(Object name) {
        return (String) Objects.requireNonNull(name);
    }

    private static String asValue(Object value) {
        return (String) Objects.requireNonNull(value);
    }

    /** An entry as the JDK's views see one: a Map.Entry (else ClassCastException) of two strings. */
    private static Entry<String, String> asEntry(Object o) {
        Entry<?, ?> e = (Entry<?, ?>) o;
        return Map.entry(asName(e.getKey()), asValue(e.getValue()));
    }

    private static String checkName(String name) {
        if (name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Invalid environment variable name: \"" + name + "\"");
        }
        return name;
    }

    private static String checkValue(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Invalid environment variable value: \"" + value + "\"");
        }
        return value;
    }
}
