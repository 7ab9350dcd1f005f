using BenchmarkDotNet.Attributes;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Benchmarks;

/// <summary>Cost of replaying a Go-format WAL: framing + envelope decode alone, and with typed payload decode.</summary>
[MemoryDiagnoser]
public class LegacyWalBenchmarks
{
    private string _directory = string.Empty;
    private string _path = string.Empty;

    [Params(100_000)]
    public int Records { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("legacy-wal-bench-").FullName;
        _path = Path.Combine(_directory, "registry.json.wal");
        using var writer = new LegacyWalWriter(_path);
        for (var i = 0; i < Records; i++)
        {
            var data = DeltaPayload.Encode(new NetworkMembershipDelta { NodeId = (uint)i, NetworkId = 7 });
            writer.Append(new DeltaEntry(0, DeltaType.NetworkJoin, (uint)i, data));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true)]
    public int ReadEnvelopes() => LegacyWalReader.Read(_path, _ => { }).Count;

    [Benchmark]
    public long ReadAndDecodePayloads()
    {
        long sum = 0;
        LegacyWalReader.Read(_path, r => sum += DeltaPayload.Decode<NetworkMembershipDelta>(r.Entry.Data.Span).NodeId);
        return sum;
    }
}
