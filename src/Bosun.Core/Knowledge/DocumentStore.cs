using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.Extensions.Configuration;

namespace Bosun.Core.Knowledge;

/// Where uploaded files are kept and how large one may be.
public sealed record DocumentOptions(string Directory, long MaxBytes)
{
    public const long DefaultMaxBytes = 25L << 20;

    /// BOSUN_DOCUMENTS_DIR, else `documents` in the data directory: beside the SQLite file, or under BOSUN_DATA_DIR
    /// (default ./bosun-data) with PostgreSQL. BOSUN_MAX_UPLOAD_MB caps one file (default 25).
    public static DocumentOptions FromConfiguration(IConfiguration configuration, StoreOptions store)
    {
        var max = DefaultMaxBytes;
        if (configuration["BOSUN_MAX_UPLOAD_MB"] is { Length: > 0 } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mb) || mb < 1)
            {
                throw new InvalidOperationException($"BOSUN_MAX_UPLOAD_MB='{text}' must be a whole number of MiB, at least 1.");
            }

            max = (long)mb << 20;
        }

        if (configuration["BOSUN_DOCUMENTS_DIR"] is { Length: > 0 } configured)
        {
            return new DocumentOptions(Path.GetFullPath(configured), max);
        }

        return new DocumentOptions(Path.Combine(Data.Safety.BackupScheduleOptions.DataDirectory(configuration, store), "documents"), max);
    }
}

/// An upload written to a temporary file beside the documents, hashed and looked at while it streamed in. Disposing
/// it removes the temporary file unless <see cref="DocumentStore.Keep"/> moved it into place.
public sealed class StagedFile(string tempPath, string sha256, long size, byte[] head, string? text) : IDisposable
{
    internal string TempPath { get; } = tempPath;
    public string Sha256 { get; } = sha256;
    public long Size { get; } = size;

    /// The first bytes, for the type's magic number.
    public byte[] Head { get; } = head;

    /// The content as text when it is valid UTF-8 without NUL bytes (at most <see cref="DocumentService.MaxTextChars"/>
    /// characters), else null.
    public string? Text { get; } = text;

    public void Dispose() => File.Delete(TempPath);
}

/// The files of documents, content-addressed: `<directory>/<tenant>/ab/cdef…` by SHA-256, so the same bytes uploaded
/// twice to one tenant are one file, and a tenant's files never mix with another's.
public sealed class DocumentStore(DocumentOptions options)
{
    private const int HeadBytes = 16;

    public DocumentOptions Options => options;

    public string PathOf(string tenant, string sha256) => Path.Combine(TenantDirectory(tenant), sha256[..2], sha256[2..]);

    private string TenantDirectory(string tenant) => Path.Combine(options.Directory, tenant);

    /// Streams an upload to a temporary file in the tenant's directory (so moving it into place is a rename), hashing
    /// it and checking it for text on the way. More than <see cref="DocumentOptions.MaxBytes"/> is a 413 with the
    /// temporary file gone.
    public async Task<StagedFile> StageAsync(string tenant, Stream content, CancellationToken ct)
    {
        var directory = TenantDirectory(tenant);
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".upload-{Guid.NewGuid():N}.tmp");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var head = new List<byte>(HeadBytes);
            var text = new TextSniffer(DocumentService.MaxTextChars);
            long size = 0;
            var buffer = new byte[81920];
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > options.MaxBytes)
                    {
                        throw TooLarge(options.MaxBytes);
                    }

                    var chunk = buffer.AsSpan(0, read);
                    head.AddRange(chunk[..Math.Min(read, HeadBytes - head.Count)].ToArray());
                    hash.AppendData(chunk);
                    text.Append(chunk);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }

            return new StagedFile(temp, Convert.ToHexStringLower(hash.GetHashAndReset()), size, [.. head], text.Finish());
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static ProblemException TooLarge(long max) =>
        new(413, "Request body too large", $"A document may be at most {max >> 20} MiB ({max} bytes).", "/problems/too-large");

    /// Moves the staged file into place under its hash; true when it made the file, false when the same bytes were
    /// already there (the staged copy is then dropped).
    public bool Keep(string tenant, StagedFile staged)
    {
        var target = PathOf(tenant, staged.Sha256);
        if (File.Exists(target))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Move(staged.TempPath, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            return false;
        }
    }

    /// The file's bytes, or null when it is not on disk.
    public Stream? OpenRead(string tenant, string sha256)
    {
        try
        {
            return new FileStream(PathOf(tenant, sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Remove(string tenant, string sha256) => File.Delete(PathOf(tenant, sha256));

    /// Decodes UTF-8 as it streams in: the text of the first characters while every byte so far is valid UTF-8 and none is NUL.
    private sealed class TextSniffer(int maxChars)
    {
        private readonly Decoder _decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        private readonly StringBuilder _text = new();
        private char[] _chars = [];
        private bool _valid = true;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (!_valid)
            {
                return;
            }

            if (bytes.Contains((byte)0))
            {
                _valid = false;
                return;
            }

            Decode(bytes, flush: false);
        }

        public string? Finish()
        {
            if (_valid)
            {
                Decode([], flush: true);
            }

            if (!_valid)
            {
                return null;
            }

            var text = _text.ToString();
            return text.StartsWith('\uFEFF') ? text[1..] : text;
        }

        private void Decode(ReadOnlySpan<byte> bytes, bool flush)
        {
            try
            {
                var count = _decoder.GetCharCount(bytes, flush);
                if (_chars.Length < count)
                {
                    _chars = new char[Math.Max(count, 4096)];
                }

                var decoded = _decoder.GetChars(bytes, _chars, flush);
                var room = maxChars - _text.Length;
                if (room > 0)
                {
                    _text.Append(_chars, 0, Math.Min(room, decoded));
                }
            }
            catch (DecoderFallbackException)
            {
                _valid = false;
            }
        }
    }
}
