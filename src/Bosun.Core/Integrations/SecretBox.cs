using System.Security.Cryptography;
using System.Text;
using Bosun.Core.Data;
using Microsoft.Extensions.Configuration;

namespace Bosun.Core.Integrations;

/// Encrypts secrets Bosun must be able to read back (webhook signing secrets, integration credentials) with
/// AES-256-GCM before they reach the database. The key comes from BOSUN_SECRET_KEY (base64 of 32 bytes) or a
/// key file: BOSUN_SECRET_KEY_FILE, else `secret.key` beside the SQLite database (or in BOSUN_DATA_DIR,
/// default ./bosun-data, on PostgreSQL), created with mode 0600 the first time it is needed. Older keys
/// (BOSUN_SECRET_KEYS_PREVIOUS, comma-separated, or further lines of the key file) still decrypt, so a key is
/// rotated by putting the new one first.
public sealed class SecretBox(IConfiguration configuration, StoreOptions store)
{
    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Lock _loading = new();
    private KeyRing? _ring;

    private KeyRing Keys
    {
        get
        {
            if (_ring is { } ring)
            {
                return ring;
            }

            lock (_loading)
            {
                return _ring ??= KeyRing.Load(configuration, store, create: true);
            }
        }
    }

    /// The id of the key new values are sealed with.
    public string CurrentKeyId => Keys.Current.Id;

    /// Reads the keys again (a key file that gained a new first line), so a running server opens values re-sealed
    /// under a key added after it started, and seals new ones with it.
    public void Reload()
    {
        lock (_loading)
        {
            _ring = KeyRing.Load(configuration, store, create: true);
        }
    }

    /// Whether a sealed value opens with the keys configured here, told without creating a key file when there is none
    /// (a restore that is refused leaves nothing behind): null when it opens, otherwise why not, for a person to act on.
    public string? WhyNotOpen(string sealedValue, string purpose)
    {
        KeyRing keys;
        try
        {
            keys = KeyRing.Load(configuration, store, create: false);
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }

        if (keys.Missing is { } missing)
        {
            return $"no secret key is configured here ({missing}); it was sealed with key {KeyIdOf(sealedValue)}";
        }

        try
        {
            Open(sealedValue, purpose, keys);
            return null;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return keys.Find(KeyIdOf(sealedValue)) is null
                ? $"it was sealed with key {KeyIdOf(sealedValue)}, and the keys configured here are {string.Join(", ", keys.Ids)} (BOSUN_SECRET_KEY, BOSUN_SECRET_KEY_FILE or secret.key, BOSUN_SECRET_KEYS_PREVIOUS)"
                : $"it does not decrypt with key {KeyIdOf(sealedValue)} ({ex.Message})";
        }
    }

    /// The id of the key a value was sealed with (the first 8 hex digits of the key's SHA-256), which reveals nothing of it.
    public static string KeyIdOf(string sealedValue) => sealedValue.Split('.') is [Version, var id, _] ? id : "(not a sealed value)";

    /// <param name="purpose">Bound into the ciphertext (e.g. "webhook:ID"), so a sealed value copied to another row fails to open.</param>
    public string Seal(string plaintext, string purpose)
    {
        var key = Keys.Current;
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Bytes, TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Encoding.UTF8.GetBytes(purpose));
        return $"{Version}.{key.Id}.{Convert.ToBase64String(output)}";
    }

    public string Open(string sealedValue, string purpose)
    {
        var keys = Keys;
        if (keys.Find(KeyIdOf(sealedValue)) is null)
        {
            // Sealed under a key added since the keys were read (a rotation run from the command line).
            Reload();
            keys = Keys;
        }

        return Open(sealedValue, purpose, keys);
    }

    private static string Open(string sealedValue, string purpose, KeyRing keys)
    {
        var parts = sealedValue.Split('.');
        if (parts is not [Version, var keyId, var payload])
        {
            throw new CryptographicException("Not a sealed secret.");
        }

        var key = keys.Find(keyId)
                  ?? throw new CryptographicException($"The secret was sealed with key {keyId}, which is not configured (BOSUN_SECRET_KEY, BOSUN_SECRET_KEYS_PREVIOUS).");
        var bytes = Convert.FromBase64String(payload);
        var length = bytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(key.Bytes, TagSize);
        aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, length), bytes.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(purpose));
        return Encoding.UTF8.GetString(plain);
    }

    private sealed record Key(string Id, byte[] Bytes)
    {
        public static Key Parse(string text, string source)
        {
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(text.Trim().Replace('-', '+').Replace('_', '/').PadRight((text.Trim().Length + 3) / 4 * 4, '='));
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"The secret key in {source} is not base64.");
            }

            if (bytes.Length != 32)
            {
                throw new InvalidOperationException($"The secret key in {source} must be 32 bytes (base64 of 32 random bytes, e.g. 'openssl rand -base64 32').");
            }

            // The id names the key in each sealed value without revealing anything about it.
            var id = Convert.ToHexStringLower(SHA256.HashData(bytes))[..8];
            return new Key(id, bytes);
        }
    }

    private sealed class KeyRing(IReadOnlyList<Key> keys, string? missing = null)
    {
        public Key Current => keys[0];

        /// Why there is no key, when none is configured and none was to be created.
        public string? Missing => missing;

        public IEnumerable<string> Ids => keys.Select(k => k.Id);

        public Key? Find(string id) => keys.FirstOrDefault(k => k.Id == id);

        public static KeyRing Load(IConfiguration configuration, StoreOptions store, bool create)
        {
            var keys = new List<Key>();
            string? missing = null;
            if (configuration["BOSUN_SECRET_KEY"] is { Length: > 0 } configured)
            {
                keys.Add(Key.Parse(configured, "BOSUN_SECRET_KEY"));
            }
            else
            {
                var file = configuration["BOSUN_SECRET_KEY_FILE"] is { Length: > 0 } named ? named : DefaultFile(configuration, store);
                if (!create && !File.Exists(file))
                {
                    missing = $"BOSUN_SECRET_KEY is not set and {file} does not exist";
                }
                else
                {
                    keys.AddRange(ReadOrCreate(file).Select(line => Key.Parse(line, file)));
                }
            }

            foreach (var previous in (configuration["BOSUN_SECRET_KEYS_PREVIOUS"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                keys.Add(Key.Parse(previous, "BOSUN_SECRET_KEYS_PREVIOUS"));
            }

            return new KeyRing(keys, keys.Count == 0 ? missing : null);
        }

        private static string DefaultFile(IConfiguration configuration, StoreOptions store)
        {
            var directory = store.Kind == StoreKind.Sqlite
                ? Path.GetDirectoryName(Path.GetFullPath(store.SqliteFile!))!
                : Path.GetFullPath(configuration["BOSUN_DATA_DIR"] is { Length: > 0 } dir ? dir : "bosun-data");
            return Path.Combine(directory, "secret.key");
        }

        private static List<string> ReadOrCreate(string file)
        {
            if (!File.Exists(file))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                try
                {
                    var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                    if (!OperatingSystem.IsWindows())
                    {
                        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    }

                    using var stream = new FileStream(file, options);
                    using var writer = new StreamWriter(stream);
                    writer.WriteLine(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                }
                catch (IOException) when (File.Exists(file))
                {
                    // Another process created it first; use theirs.
                }
            }

            var lines = File.ReadAllLines(file).Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')).ToList();
            return lines.Count > 0 ? lines : throw new InvalidOperationException($"The secret key file {file} holds no key.");
        }
    }
}
