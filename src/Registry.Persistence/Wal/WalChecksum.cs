using System.IO.Hashing;

namespace Registry.Persistence.Wal;

/// <summary>The CRC-32C (Castagnoli) used by every checksum of the log format.</summary>
internal static class WalChecksum
{
    /// <summary>CRC-32C of <paramref name="bytes"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> bytes) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, bytes);
}
