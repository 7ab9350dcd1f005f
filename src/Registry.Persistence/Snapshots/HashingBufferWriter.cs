using System.Buffers;
using System.Security.Cryptography;

namespace Registry.Persistence.Snapshots;

/// <summary>Passes writes through to another buffer writer and feeds every committed byte to a SHA-256, so the body is hashed while it is encoded, not re-read.</summary>
internal sealed class HashingBufferWriter(IBufferWriter<byte> inner) : IBufferWriter<byte>, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Memory<byte> _last;

    public void Advance(int count)
    {
        _hash.AppendData(_last.Span[..count]);
        inner.Advance(count);
        _last = default;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>Adds bytes to the hash that are not written to the output (the closing brace of the unsigned body).</summary>
    public void HashOnly(ReadOnlySpan<byte> bytes) => _hash.AppendData(bytes);

    /// <summary>Finishes the hash and returns it as 64 lowercase hex characters.</summary>
    public string FinishHex()
    {
        Span<byte> digest = stackalloc byte[32];
        _ = _hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    public void Dispose() => _hash.Dispose();
}
