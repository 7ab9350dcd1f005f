using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Registry.Server.Protocol;

namespace Registry.Server.Dispatch;

/// <summary>The token check of <c>subscribe_replication</c> (§5), which the transport runs before rate limiting, the standby gate and dispatch.</summary>
public static class ReplicationHandshake
{
    /// <summary>The request type a standby sends to subscribe.</summary>
    public const string SubscribeType = "subscribe_replication";

    /// <summary>Reply when this server has no replication token.</summary>
    public const string NotConfigured = "replication not configured";

    /// <summary>Reply when the presented token does not match.</summary>
    public const string InvalidToken = "invalid replication token";

    /// <summary>Checks the request's <c>token</c> against <paramref name="configuredToken"/>; returns null on success or the error text to send before closing.</summary>
    /// <remarks>The comparison is constant-time over the UTF-8 bytes so the token cannot be guessed byte by byte from reply timing.</remarks>
    public static string? Check(JsonElement request, string? configuredToken)
    {
        if (string.IsNullOrEmpty(configuredToken))
        {
            return NotConfigured;
        }

        var presented = RequestFields.GetString(request, "token");
        return ConstantTimeEquals(presented, configuredToken) ? null : InvalidToken;
    }

    /// <summary>The <c>from_seq</c> a standby of ours sent (0 = it holds nothing yet), or null when absent (a Go standby) or not a non-negative integer.</summary>
    public static ulong? FromSequence(JsonElement request) =>
        Member(request, "from_seq") is { } value && value.TryGetUInt64(out var sequence) ? sequence : null;

    /// <summary>
    /// The <c>prev_crc</c> a standby of ours sent: the CRC-32C of its record <c>from_seq</c> - 1, for the primary to compare
    /// with its own. Null when absent (a Go standby, an older build, or a standby whose log no longer holds that record)
    /// or not a uint32, and then no history check is made.
    /// </summary>
    public static uint? PreviousChecksum(JsonElement request) =>
        Member(request, "prev_crc") is { } value && value.TryGetUInt32(out var checksum) ? checksum : null;

    /// <summary>
    /// The <c>epoch</c> a standby of ours sent: the number of the latest epoch of its timeline (docs/replication.md,
    /// "Epochs"), which lets the primary detect a split even where both compacted their logs. Null when absent (a Go
    /// standby or an older build), and then that check is not made.
    /// </summary>
    public static ulong? Epoch(JsonElement request) =>
        Member(request, "epoch") is { } value && value.TryGetUInt64(out var epoch) && epoch > 0 ? epoch : null;

    /// <summary>
    /// The <c>standby_id</c> a standby of ours sent: the identity of its data directory, so a primary counts a standby
    /// that reconnects once (synchronous replication's quorum, MinStandbysToWrite). Null when absent (a Go standby, an
    /// older build, a backup copy) or not 1 to 64 letters, digits or '-'.
    /// </summary>
    public static string? StandbyId(JsonElement request) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty("standby_id", out var value) && value.ValueKind == JsonValueKind.String
        && value.GetString() is { Length: > 0 and <= 64 } id && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? id
            : null;

    private static JsonElement? Member(JsonElement request, string name) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value
            : null;

    /// <summary>Compares two strings in time that depends only on their lengths, never on where they differ.</summary>
    public static bool ConstantTimeEquals(string presented, string expected)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(expected);

        // Tokens are short; hashing both sides first would hide the length too, but Go's subtle.ConstantTimeCompare
        // leaks the length as well, and the spec asks for no more than that.
        var a = Encoding.UTF8.GetBytes(presented);
        var b = Encoding.UTF8.GetBytes(expected);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
