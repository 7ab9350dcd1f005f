using BenchmarkDotNet.Attributes;
using Registry.Persistence.Deltas;
using Registry.Persistence.Wal;

namespace Registry.Benchmarks;

/// <summary>Allocations and CPU cost per append, with the disk taken out (durability None) so the log's own overhead shows.</summary>
[MemoryDiagnoser]
public class AppendBenchmarks
{
    private readonly byte[] _payload = System.Text.Encoding.UTF8.GetBytes(
        "{\"node_id\":7,\"owner\":\"user7@example.com\",\"public_key\":\"SrhHw9TZp6fHHsANaTSXuTSCUwqs2gme3VROCFwY3pY=\",\"real_addr\":\"203.0.113.10:4000\",\"hostname\":\"node-7\",\"version\":\"v1.10.0\"}");

    private readonly ValueTask<ulong>[] _pending = new ValueTask<ulong>[64];
    private string _dir = "";
    private WriteAheadLog _wal = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("registry-bdn-").FullName;
        _wal = WriteAheadLog.Open(new WalOptions { Directory = _dir, Durability = WalDurability.None, MaxSizeBytes = 1L << 40, SegmentSizeBytes = 1L << 30 });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _wal.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>One append awaited on its own (a batch of one).</summary>
    [Benchmark]
    public async Task<ulong> AppendOne() => await _wal.AppendAsync(DeltaType.Register, 7, _payload);

    /// <summary>64 appends issued together and awaited together (one batch): cost per append is this / 64.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public async Task AppendBatchOf64()
    {
        for (var i = 0; i < _pending.Length; i++)
        {
#pragma warning disable CA2012 // Each ValueTask is stored once and awaited exactly once below.
            _pending[i] = _wal.AppendAsync(DeltaType.Register, 7, _payload);
#pragma warning restore CA2012
        }

        for (var i = 0; i < _pending.Length; i++)
        {
            await _pending[i];
        }
    }
}
