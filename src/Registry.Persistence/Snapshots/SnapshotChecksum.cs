using System.Security.Cryptography;
using System.Text;

namespace Registry.Persistence.Snapshots;

/// <summary>
/// The checksum splice of format-spec §4.3: the file is the unsigned body without its final <c>}</c>, followed by
/// <c>,"checksum":"&lt;64 lowercase hex&gt;"}</c>; the checksum is SHA-256 of the unsigned body. Verifying hashes
/// <c>file[0 .. len-79] + "}"</c> (check (B)) and never re-encodes, so files written by any correct writer verify.
/// </summary>
public static class SnapshotChecksum
{
    /// <summary>Length of <c>,"checksum":"</c>.</summary>
    public const int PrefixLength = 13;

    /// <summary>Length of the hex digest.</summary>
    public const int HexLength = 64;

    /// <summary>Length of the whole trailer: 13 + 64 + 2 = 79 bytes.</summary>
    public const int TrailerLength = PrefixLength + HexLength + 2;

    private static ReadOnlySpan<byte> Prefix => ",\"checksum\":\""u8;

    /// <summary>Writes the trailer for <paramref name="checksumHex"/> and returns its length.</summary>
    public static int WriteTrailer(string checksumHex, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(checksumHex);
        if (checksumHex.Length != HexLength)
        {
            throw new ArgumentException("a checksum is 64 hex digits", nameof(checksumHex));
        }

        Prefix.CopyTo(destination);
        _ = Encoding.ASCII.GetBytes(checksumHex, destination[PrefixLength..]);
        destination[PrefixLength + HexLength] = (byte)'"';
        destination[PrefixLength + HexLength + 1] = (byte)'}';
        return TrailerLength;
    }

    /// <summary>Returns the hex digest when <paramref name="tail"/> (the last 79 bytes of a file) is a well-formed trailer with lowercase hex.</summary>
    public static bool TryParseTrailer(ReadOnlySpan<byte> tail, out string checksumHex)
    {
        checksumHex = string.Empty;
        if (tail.Length != TrailerLength || !tail.StartsWith(Prefix) || !tail.EndsWith("\"}"u8))
        {
            return false;
        }

        var hex = tail.Slice(PrefixLength, HexLength);
        foreach (var b in hex)
        {
            if (!char.IsAsciiHexDigitLower((char)b) && !char.IsAsciiDigit((char)b))
            {
                return false;
            }
        }

        checksumHex = Encoding.ASCII.GetString(hex);
        return true;
    }

    /// <summary>Computes the checksum of a whole sealed file held in memory by the splice rule, or <see langword="null"/> when it has no trailer.</summary>
    public static string? ComputeFromSealed(ReadOnlySpan<byte> file)
    {
        if (file.Length < TrailerLength + 1 || !TryParseTrailer(file[^TrailerLength..], out _))
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(file[..^TrailerLength]);
        hash.AppendData("}"u8);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
