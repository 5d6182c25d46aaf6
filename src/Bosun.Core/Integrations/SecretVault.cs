using System.Security.Cryptography;
using System.Text;

namespace Bosun.Core.Integrations;

/// Envelope encryption for the vault: each value is sealed with AES-256-GCM under a random data key of its own, and the
/// data key with <see cref="SecretBox"/> (the key-encryption key from BOSUN_SECRET_KEY or the key file, whose id the
/// sealed data key carries). Rotating the key re-seals only the small data keys; the values stay as they are.
public sealed class SecretVault(SecretBox box)
{
    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public string CurrentKeyId => box.CurrentKeyId;

    /// Bound into both ciphertexts, so a value or a data key copied to another row fails to open.
    public static string Purpose(string tenantId, string secretId) => $"secret:{tenantId}:{secretId}";

    /// Seals a value under a new data key.
    public void Seal(Secret secret, string value)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var purpose = Purpose(secret.TenantId, secret.Id);
            var plain = Encoding.UTF8.GetBytes(value);
            var output = new byte[NonceSize + plain.Length + TagSize];
            RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
            using (var aes = new AesGcm(dataKey, TagSize))
            {
                aes.Encrypt(output.AsSpan(0, NonceSize), plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(purpose));
            }

            CryptographicOperations.ZeroMemory(plain);
            secret.ValueSealed = $"{Version}.{Convert.ToBase64String(output)}";
            secret.DataKeySealed = box.Seal(Convert.ToBase64String(dataKey), purpose);
            secret.KeyId = SecretBox.KeyIdOf(secret.DataKeySealed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    public string Open(Secret secret)
    {
        if (secret.ValueSealed is not { } sealedValue || secret.DataKeySealed is not { } sealedKey)
        {
            throw new InvalidOperationException("The secret holds no value.");
        }

        var purpose = Purpose(secret.TenantId, secret.Id);
        var dataKey = Convert.FromBase64String(box.Open(sealedKey, purpose));
        try
        {
            if (sealedValue.Split('.') is not [Version, var payload])
            {
                throw new CryptographicException("Not a sealed secret value.");
            }

            var bytes = Convert.FromBase64String(payload);
            var length = bytes.Length - NonceSize - TagSize;
            var plain = new byte[length];
            using var aes = new AesGcm(dataKey, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, length), bytes.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(purpose));
            return Encoding.UTF8.GetString(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// Seals the data key again under the newest key; false when it already is.
    public bool Rewrap(Secret secret)
    {
        if (secret.DataKeySealed is not { } sealedKey || SecretBox.KeyIdOf(sealedKey) == box.CurrentKeyId)
        {
            return false;
        }

        var purpose = Purpose(secret.TenantId, secret.Id);
        secret.DataKeySealed = box.Seal(box.Open(sealedKey, purpose), purpose);
        secret.KeyId = SecretBox.KeyIdOf(secret.DataKeySealed);
        return true;
    }
}
