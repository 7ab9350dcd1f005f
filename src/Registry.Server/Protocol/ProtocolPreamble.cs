using System.Runtime.InteropServices;

namespace Registry.Server.Protocol;

/// <summary>What the first bytes of a connection said (§1.3): the JSON protocol, the binary one with its version, or nothing usable.</summary>
/// <param name="Kind">Which protocol, or why none.</param>
/// <param name="Version">The binary protocol version byte; 0 otherwise.</param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct ProtocolPreamble(PreambleKind Kind, byte Version)
{
    /// <summary>The connection speaks length-prefixed JSON.</summary>
    public static ProtocolPreamble Json => new(PreambleKind.Json, 0);

    /// <summary>The peer closed before sending anything.</summary>
    public static ProtocolPreamble EndOfStream => new(PreambleKind.EndOfStream, 0);

    /// <summary>The peer closed inside the preamble.</summary>
    public static ProtocolPreamble Truncated => new(PreambleKind.Truncated, 0);

    /// <summary>The connection speaks binary, version <paramref name="version"/>.</summary>
    public static ProtocolPreamble Binary(byte version) => new(PreambleKind.Binary, version);
}

/// <summary>The kinds of <see cref="ProtocolPreamble"/>.</summary>
public enum PreambleKind
{
    /// <summary>Length-prefixed JSON (§1.2).</summary>
    Json,

    /// <summary>"PILT" + version (§1.3).</summary>
    Binary,

    /// <summary>Closed before any byte.</summary>
    EndOfStream,

    /// <summary>Closed inside the preamble.</summary>
    Truncated,
}
