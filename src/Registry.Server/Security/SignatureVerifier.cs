using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using NSec.Cryptography;

namespace Registry.Server.Security;

/// <summary>Verifies node signatures (Ed25519 over an ASCII challenge, §2.1) and produces the protocol's error texts.</summary>
/// <remarks>
/// <para>Threading: thread-safe; connections verify concurrently. Imported public keys are cached by their base64 text
/// because the registry verifies the same few hundred thousand keys over and over; the cache is bounded and simply
/// cleared when full (a re-import costs microseconds, so eviction precision is not worth a lock).</para>
/// <para>Verified signatures are memoized: the protocol's challenges carry no nonce (§2.1), so a node sends the very same
/// signature for every heartbeat or set_tags it makes, and verification (~70 µs) would be repeated for identical input.
/// Ed25519 verification is a pure function of (key, message, signature); an entry is recorded only after a successful
/// verification and matches only the exact same stored key, challenge and 64 signature bytes, so a hit answers exactly
/// what verifying again would. This is not Go's verify-skip (<c>Registry:HeartbeatVerifySkip</c>), which accepts any
/// signature for a while after one good one. Failures are never memoized. Bounded, in two generations (see <c>Remember</c>).</para>
/// </remarks>
public sealed class SignatureVerifier
{
    /// <summary>Error when a node has no stored key and no valid admin token was given.</summary>
    public const string NoPublicKey = "node has no public key: signature or admin token required";

    /// <summary>Error when the request carries no signature.</summary>
    public const string SignatureRequired = "signature required for authenticated node";

    /// <summary>Prefix of the error for a signature that is not base64 of 64 bytes.</summary>
    public const string InvalidSignatureEncoding = "invalid signature encoding: ";

    /// <summary>Error when the signature does not verify.</summary>
    public const string VerificationFailed = "signature verification failed";

    /// <summary>Prefix of the error for a public key that is not base64 of 32 bytes.</summary>
    public const string InvalidPublicKey = "invalid public key: ";

    private const int PublicKeyBytes = 32;
    private const int SignatureBytes = 64;
    private const int StackChallengeBytes = 256;

    private static readonly SignatureAlgorithm s_ed25519 = SignatureAlgorithm.Ed25519;

    private readonly ConcurrentDictionary<string, PublicKey> _keys = new(StringComparer.Ordinal);
    private readonly Lock _generationSwap = new();
    private ConcurrentDictionary<VerifiedSignature, byte> _verified = new();
    private ConcurrentDictionary<VerifiedSignature, byte> _verifiedBefore = new();
    private readonly int _cacheCapacity;
    private readonly int _verifiedCapacity;
    private long _memoHits;
    private long _computed;

    /// <summary>Creates a verifier caching up to <paramref name="cacheCapacity"/> imported keys and <paramref name="verifiedCapacity"/> verified signatures (0 turns either off).</summary>
    public SignatureVerifier(int cacheCapacity = 200_000, int verifiedCapacity = DefaultVerifiedCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(verifiedCapacity);
        _cacheCapacity = cacheCapacity;
        _verifiedCapacity = verifiedCapacity;
    }

    /// <summary>The default number of memoized verified signatures: a few per node of a 100k-node fleet, about 40 MB at most.</summary>
    public const int DefaultVerifiedCapacity = 250_000;

    /// <summary>Verifications answered from the memo of verified signatures since start.</summary>
    public long MemoHits => Interlocked.Read(ref _memoHits);

    /// <summary>Ed25519 verifications computed since start (valid or not).</summary>
    public long Computed => Interlocked.Read(ref _computed);

    /// <summary>Checks that <paramref name="publicKeyBase64"/> is standard base64 of exactly 32 bytes; returns null or the "invalid public key: …" text.</summary>
    public static string? ValidatePublicKey(string? publicKeyBase64)
    {
        if (string.IsNullOrEmpty(publicKeyBase64))
        {
            return InvalidPublicKey + "empty";
        }

        Span<byte> raw = stackalloc byte[PublicKeyBytes + 1];
        if (!Convert.TryFromBase64String(publicKeyBase64, raw, out var written))
        {
            return InvalidPublicKey + "illegal base64 data";
        }

        return written == PublicKeyBytes ? null : InvalidPublicKey + $"must be {PublicKeyBytes} bytes";
    }

    /// <summary>The generic node check: returns null when the request is authorised, else the error text to send.</summary>
    /// <param name="storedPublicKey">The node's stored key (base64), or null/empty when it has none.</param>
    /// <param name="signatureBase64">The request's <c>signature</c> member, or null/empty when absent.</param>
    /// <param name="challenge">The challenge string from <see cref="Challenges"/>.</param>
    /// <param name="adminTokenValid">True when the request carried a valid global admin token (the only way to act for a keyless node).</param>
    public string? VerifyNode(string? storedPublicKey, string? signatureBase64, string challenge, bool adminTokenValid)
    {
        return TryVerifyCheaply(storedPublicKey, signatureBase64, challenge, adminTokenValid, out var result)
            ? result
            : VerifyComputed(storedPublicKey!, signatureBase64!, challenge);
    }

    /// <summary>The Ed25519 check of a signature <see cref="TryVerifyCheaply"/> could not answer (present, well formed, not memoized); memoizes a success.</summary>
    internal string? VerifyComputed(string storedPublicKey, string signatureBase64, string challenge)
    {
        Span<byte> signature = stackalloc byte[SignatureBytes + 1];
        _ = Convert.TryFromBase64String(signatureBase64, signature, out _);
        return Compute(storedPublicKey, signature[..SignatureBytes], challenge);
    }

    /// <summary>Gives <see cref="VerifyNode"/>'s answer when it needs no Ed25519 computation (a missing or malformed input, a memoized signature); false when it does.</summary>
    /// <remarks>Lets a caller on a thread that serves many connections move only the expensive checks elsewhere.</remarks>
    public bool TryVerifyCheaply(string? storedPublicKey, string? signatureBase64, string challenge, bool adminTokenValid, out string? result)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (string.IsNullOrEmpty(storedPublicKey))
        {
            result = adminTokenValid ? null : NoPublicKey;
            return true;
        }

        if (string.IsNullOrEmpty(signatureBase64))
        {
            result = SignatureRequired;
            return true;
        }

        Span<byte> signature = stackalloc byte[SignatureBytes + 1];
        if (!Convert.TryFromBase64String(signatureBase64, signature, out var written) || written != SignatureBytes)
        {
            result = InvalidSignatureEncoding + (written == 0 ? "illegal base64 data" : $"must be {SignatureBytes} bytes");
            return true;
        }

        result = null;
        if (_verifiedCapacity > 0 && IsRemembered(VerifiedSignature.Of(storedPublicKey, challenge, signature[..SignatureBytes])))
        {
            Interlocked.Increment(ref _memoHits);
            return true;
        }

        return false;
    }

    /// <summary>The binary protocol's node check (§1.3): a raw 64-byte signature, no admin token; null when valid, else the error text.</summary>
    /// <param name="storedPublicKey">The node's stored key (base64), or null/empty when it has none.</param>
    /// <param name="signature">The raw signature bytes from the frame.</param>
    /// <param name="challenge">The challenge string from <see cref="Challenges"/>.</param>
    public string? VerifyNodeRaw(string? storedPublicKey, ReadOnlySpan<byte> signature, string challenge)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (string.IsNullOrEmpty(storedPublicKey))
        {
            return NoPublicKey;
        }

        return signature.Length == SignatureBytes
            ? VerifyRaw(storedPublicKey, signature, challenge)
            : InvalidSignatureEncoding + $"must be {SignatureBytes} bytes";
    }

    /// <summary>True when <paramref name="signatureBase64"/> is a valid Ed25519 signature of <paramref name="challenge"/> by <paramref name="publicKeyBase64"/>.</summary>
    public bool IsValid(string publicKeyBase64, string challenge, string signatureBase64)
    {
        ArgumentNullException.ThrowIfNull(publicKeyBase64);
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(signatureBase64);
        Span<byte> signature = stackalloc byte[SignatureBytes + 1];
        if (!Convert.TryFromBase64String(signatureBase64, signature, out var written) || written != SignatureBytes)
        {
            return false;
        }

        return VerifyRaw(publicKeyBase64, signature[..SignatureBytes], challenge) is null;
    }

    private string? VerifyRaw(string storedPublicKey, ReadOnlySpan<byte> signature, string challenge)
    {
        if (_verifiedCapacity > 0 && IsRemembered(VerifiedSignature.Of(storedPublicKey, challenge, signature)))
        {
            Interlocked.Increment(ref _memoHits);
            return null;
        }

        return Compute(storedPublicKey, signature, challenge);
    }

    /// <summary>Runs the Ed25519 check (no memo lookup) and memoizes a success.</summary>
    private string? Compute(string storedPublicKey, ReadOnlySpan<byte> signature, string challenge)
    {
        var key = GetKey(storedPublicKey);
        if (key is null)
        {
            // A stored key that does not import is corrupt state, not the client's fault; refuse without detail.
            return VerificationFailed;
        }

        if (!Verify(key, challenge, signature))
        {
            return VerificationFailed;
        }

        if (_verifiedCapacity > 0)
        {
            Remember(VerifiedSignature.Of(storedPublicKey, challenge, signature));
        }

        return null;
    }

    private bool IsRemembered(VerifiedSignature memo)
    {
        if (Volatile.Read(ref _verified).ContainsKey(memo))
        {
            return true;
        }

        if (!Volatile.Read(ref _verifiedBefore).ContainsKey(memo))
        {
            return false;
        }

        // Still in use: carried into the current generation so it survives the next swap.
        Remember(memo);
        return true;
    }

    /// <summary>Adds to the current generation; a full one becomes the previous generation (the one before is dropped).</summary>
    /// <remarks>
    /// Two generations of half the capacity each: a fleet larger than the memo keeps the signatures it uses recently
    /// instead of losing all of them at once when a single table fills. Races only lose an entry, never add a wrong one.
    /// </remarks>
    private void Remember(VerifiedSignature memo)
    {
        var current = Volatile.Read(ref _verified);
        if (current.Count >= Math.Max(1, _verifiedCapacity / 2))
        {
            lock (_generationSwap)
            {
                if (ReferenceEquals(current, _verified))
                {
                    Volatile.Write(ref _verifiedBefore, current);
                    Volatile.Write(ref _verified, new ConcurrentDictionary<VerifiedSignature, byte>());
                }

                current = _verified;
            }
        }

        current.TryAdd(memo, 0);
    }

    private bool Verify(PublicKey key, string challenge, ReadOnlySpan<byte> signature)
    {
        Interlocked.Increment(ref _computed);
        var length = Encoding.ASCII.GetByteCount(challenge);
        var data = length <= StackChallengeBytes ? stackalloc byte[StackChallengeBytes] : new byte[length];
        var written = Encoding.ASCII.GetBytes(challenge, data);
        return s_ed25519.Verify(key, data[..written], signature);
    }

    private PublicKey? GetKey(string publicKeyBase64)
    {
        if (_keys.TryGetValue(publicKeyBase64, out var cached))
        {
            return cached;
        }

        Span<byte> raw = stackalloc byte[PublicKeyBytes + 1];
        if (!Convert.TryFromBase64String(publicKeyBase64, raw, out var written) || written != PublicKeyBytes
            || !PublicKey.TryImport(s_ed25519, raw[..PublicKeyBytes], KeyBlobFormat.RawPublicKey, out var key))
        {
            return null;
        }

        if (_keys.Count >= _cacheCapacity)
        {
            _keys.Clear();
        }

        if (_cacheCapacity > 0)
        {
            _keys.TryAdd(publicKeyBase64, key!);
        }

        return key;
    }

    /// <summary>One successfully verified (stored key, challenge, signature) triple; the 64 signature bytes are held inline so a lookup allocates nothing.</summary>
    private readonly record struct VerifiedSignature(string PublicKey, string Challenge, UInt128 S0, UInt128 S1, UInt128 S2, UInt128 S3)
    {
        public static VerifiedSignature Of(string publicKey, string challenge, ReadOnlySpan<byte> signature) => new(
            publicKey,
            challenge,
            BinaryPrimitives.ReadUInt128LittleEndian(signature),
            BinaryPrimitives.ReadUInt128LittleEndian(signature[16..]),
            BinaryPrimitives.ReadUInt128LittleEndian(signature[32..]),
            BinaryPrimitives.ReadUInt128LittleEndian(signature[48..]));
    }
}
