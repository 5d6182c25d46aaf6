namespace Bosun.Core.Knowledge;

/// What a file is: the type its first bytes show, the type its name suggests, and whether a declared type fits the
/// bytes. A mismatch is refused on upload, so a download never serves a file as something it is not.
public static class DocumentTypes
{
    public const string Binary = "application/octet-stream";
    public const string PlainText = "text/plain";

    private static readonly (byte[] Magic, string Type)[] Magic =
    [
        ("%PDF-"u8.ToArray(), "application/pdf"),
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "image/png"),
        ([0xFF, 0xD8, 0xFF], "image/jpeg"),
        ("GIF87a"u8.ToArray(), "image/gif"),
        ("GIF89a"u8.ToArray(), "image/gif"),
        ("PK\u0003\u0004"u8.ToArray(), "application/zip"),
        ("PK\u0005\u0006"u8.ToArray(), "application/zip"),
        ([0x1F, 0x8B], "application/gzip"),
    ];

    /// Executables are refused whatever they are declared as.
    private static readonly (byte[] Magic, string Kind)[] Executables =
    [
        ([0x7F, 0x45, 0x4C, 0x46], "an ELF executable"),
        ("MZ"u8.ToArray(), "a Windows (PE) executable"),
    ];

    /// Types whose bytes are a container of another name: a declared Word file is a ZIP inside.
    private static readonly Dictionary<string, string[]> Aliases = new(StringComparer.Ordinal)
    {
        ["application/zip"] = ["application/x-zip-compressed", "application/java-archive", "application/epub+zip", "application/vnd.android.package-archive"],
        ["application/gzip"] = ["application/x-gzip", "application/x-tar+gzip", "application/x-compressed-tar"],
        ["image/jpeg"] = ["image/jpg", "image/pjpeg"],
        ["application/pdf"] = ["application/x-pdf"],
    };

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".md"] = "text/markdown", [".markdown"] = "text/markdown", [".txt"] = PlainText, [".log"] = PlainText,
        [".csv"] = "text/csv", [".tsv"] = "text/tab-separated-values", [".html"] = "text/html", [".htm"] = "text/html",
        [".css"] = "text/css", [".json"] = "application/json", [".jsonl"] = "application/jsonl", [".ndjson"] = "application/x-ndjson",
        [".xml"] = "application/xml", [".yaml"] = "application/yaml", [".yml"] = "application/yaml", [".toml"] = "application/toml",
        [".svg"] = "image/svg+xml", [".pdf"] = "application/pdf", [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif", [".zip"] = "application/zip", [".gz"] = "application/gzip", [".tgz"] = "application/gzip",
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };

    /// Source code and configuration kept as text whatever type a browser guesses for it.
    private static readonly HashSet<string> SourceExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".cs", ".csproj", ".fs", ".vb", ".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rs", ".java", ".kt", ".kts", ".scala",
        ".c", ".h", ".cc", ".cpp", ".hpp", ".m", ".swift", ".rb", ".php", ".pl", ".lua", ".r", ".sh", ".bash", ".zsh", ".ps1", ".sql",
        ".vue", ".svelte", ".ini", ".cfg", ".conf", ".env", ".properties", ".gradle", ".tf", ".proto", ".graphql", ".dockerfile", ".makefile",
        ".ex", ".exs", ".erl", ".hs", ".clj", ".dart", ".zig", ".nim", ".rst", ".adoc", ".tex", ".diff", ".patch",
    };

    /// The executable kind the bytes start with, or null.
    public static string? ExecutableKind(ReadOnlySpan<byte> head)
    {
        foreach (var (magic, kind) in Executables)
        {
            if (head.StartsWith(magic))
            {
                return kind;
            }
        }

        return null;
    }

    /// The type the bytes show: a known magic number, else text/plain for valid UTF-8 without NULs, else octet-stream.
    public static string Sniff(ReadOnlySpan<byte> head, bool isText)
    {
        foreach (var (magic, type) in Magic)
        {
            if (head.StartsWith(magic))
            {
                return type;
            }
        }

        return isText ? PlainText : Binary;
    }

    public static string? FromExtension(string name)
    {
        var extension = Path.GetExtension(name);
        return ByExtension.TryGetValue(extension, out var type) ? type : SourceExtensions.Contains(extension) ? PlainText : null;
    }

    /// The media type without parameters, in lower case; null when there is none or it is not type/subtype.
    public static string? Normalize(string? declared)
    {
        if (declared is not { Length: > 0 })
        {
            return null;
        }

        var type = declared.Split(';', 2)[0].Trim().ToLowerInvariant();
        var slash = type.IndexOf('/');
        return slash > 0 && slash < type.Length - 1 && type.IndexOf('/', slash + 1) < 0 && type.All(c => c > ' ' && c < 127 && c != '"') ? type : null;
    }

    /// Types whose content is text: text/*, JSON, XML, YAML, scripts and the like.
    public static bool IsTextual(string type) =>
        type.StartsWith("text/", StringComparison.Ordinal)
        || type.EndsWith("+json", StringComparison.Ordinal) || type.EndsWith("+xml", StringComparison.Ordinal)
        || type is "application/json" or "application/jsonl" or "application/x-ndjson" or "application/xml" or "application/yaml"
            or "application/x-yaml" or "application/toml" or "application/javascript" or "application/x-javascript" or "application/ecmascript"
            or "application/typescript" or "application/x-sh" or "application/x-shellscript" or "application/sql" or "application/graphql"
            or "application/x-httpd-php" or "application/x-python" or "application/x-perl" or "application/x-ruby" or "application/x-tex";

    /// Whether a file declared as <paramref name="declared"/> may hold bytes sniffed as <paramref name="sniffed"/>.
    public static bool Fits(string declared, string sniffed, string name)
    {
        if (sniffed == PlainText)
        {
            return IsTextual(declared) || SourceExtensions.Contains(Path.GetExtension(name));
        }

        if (sniffed == Binary)
        {
            // Bytes of no known kind may be any type that is not text and not one Bosun recognises by its bytes.
            return !IsTextual(declared) && !Magic.Any(m => m.Type == declared) && !Aliases.Values.Any(a => a.Contains(declared));
        }

        return declared == sniffed
            || (Aliases.TryGetValue(sniffed, out var aliases) && aliases.Contains(declared))
            // Office Open XML and OpenDocument files are ZIP archives.
            || (sniffed == "application/zip" && (declared.StartsWith("application/vnd.openxmlformats-", StringComparison.Ordinal)
                                                 || declared.StartsWith("application/vnd.oasis.opendocument.", StringComparison.Ordinal)
                                                 || declared.EndsWith("+zip", StringComparison.Ordinal)));
    }
}
