using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Deltas;

namespace Registry.Core.Tests;

/// <summary>A registry on a fake clock with an in-memory log, plus the helpers every test class uses.</summary>
internal sealed class TestKit
{
    public static readonly DateTimeOffset Start = new(2026, 5, 12, 8, 0, 0, TimeSpan.Zero);

    public TestKit(RegistryOptions? options = null)
    {
        Time = new FakeTimeProvider(Start);
        Log = new MemoryDeltaLog();
        Registry = new NodeRegistry(Log, Time, options);
        Registry.EnsureBackbone(Start);
    }

    public FakeTimeProvider Time { get; }

    public MemoryDeltaLog Log { get; }

    public NodeRegistry Registry { get; }

    /// <summary>A valid, distinct 32-byte key for each <paramref name="i"/>.</summary>
    public static string Key(int i)
    {
        var bytes = new byte[32];
        BitConverter.TryWriteBytes(bytes, i);
        bytes[31] = 0x5A;
        return Convert.ToBase64String(bytes);
    }

    public uint Register(int keyIndex, string? owner = null, string? hostname = null) =>
        Registry.Register(new RegisterRequest { PublicKey = Key(keyIndex), Owner = owner, Hostname = hostname, RealAddr = $"203.0.113.{keyIndex % 250}:4000" }).NodeId;

    public ushort CreateNetwork(uint creator, string name, string joinRule = "open", string? token = null, bool enterprise = false) =>
        Registry.CreateNetwork(new CreateNetworkRequest { NodeId = creator, Name = name, JoinRule = joinRule, Token = token, Enterprise = enterprise }).NetworkId;

    /// <summary>Replays every logged delta into a fresh registry (backbone first, as a fresh data directory does).</summary>
    public NodeRegistry Replay(bool twice = false) => ReplayEntries(Log.Entries, twice);

    public static NodeRegistry ReplayEntries(IEnumerable<DeltaEntry> entries, bool twice = false)
    {
        var replica = new NodeRegistry(new MemoryDeltaLog(), new FakeTimeProvider(Start.AddYears(1)));
        replica.EnsureBackbone(Start);
        foreach (var entry in entries)
        {
            replica.Apply(entry);
            if (twice)
            {
                replica.Apply(entry);
            }
        }

        return replica;
    }

    /// <summary>Asserts live state equals the replay of the log.</summary>
    public void AssertReplayEqual(bool twice = false)
    {
        Assert.Equal(Registry.ToCanonicalJson(), Replay(twice).ToCanonicalJson());
    }

    /// <summary>Asserts the action is refused with the code and text, and that neither the state nor the log changed.</summary>
    public void AssertRefused(Action action, RegistryErrorCode code, string message)
    {
        var before = Registry.ToCanonicalJson();
        var logged = Log.Entries.Count;
        var ex = Assert.Throws<RegistryException>(action);
        Assert.Equal(code, ex.Code);
        Assert.Equal(message, ex.Message);
        Assert.Equal(before, Registry.ToCanonicalJson());
        Assert.Equal(logged, Log.Entries.Count);
    }

    public DeltaEntry LastEntry => Log.Entries[^1];
}
