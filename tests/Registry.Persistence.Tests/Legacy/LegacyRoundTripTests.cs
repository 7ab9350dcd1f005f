using Registry.Persistence.Deltas;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Legacy;

/// <summary>Property test across <see cref="LegacyWalWriter"/> and <see cref="LegacyWalReader"/>: whatever is written reads back unchanged.</summary>
public class LegacyRoundTripTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void WriteThenRead_RandomEntries_ReadBackIdentically(int seed)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("random.wal");
        var random = new Random(seed);
        var written = new List<DeltaEntry>();
        string[] payloads = ["", "null", "{}", "[1,2]", "\"s\"", "{\"node_id\":1,\"tags\":[\"a\",\"b\"]}", "{\"x\":\"caf\u00E9 \u65E5\u672C \U0001F680\"}"];
        using (var writer = new LegacyWalWriter(path))
        {
            for (var i = 0; i < 2_000; i++)
            {
                var seq = random.Next(3) == 0 ? ulong.MaxValue - (ulong)random.Next(10) : (ulong)random.NextInt64(0, long.MaxValue);
                var payload = payloads[random.Next(payloads.Length)];
                var data = random.Next(20) == 0
                    ? System.Text.Encoding.UTF8.GetBytes("{\"big\":\"" + new string('x', random.Next(70_000, 200_000)) + "\"}")
                    : System.Text.Encoding.UTF8.GetBytes(payload);
                var entry = new DeltaEntry(seq, (DeltaType)random.Next(256), (uint)random.NextInt64(0, uint.MaxValue + 1L), data);
                writer.Append(entry);
                written.Add(entry);
            }
        }

        var read = new List<DeltaEntry>();
        var result = LegacyWalReader.Read(path, r => read.Add(r.Detach().Entry), TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Empty(result.Problems);
        Assert.Equal(written.Count, read.Count);
        for (var i = 0; i < written.Count; i++)
        {
            Assert.Equal(written[i].SeqNo, read[i].SeqNo);
            Assert.Equal(written[i].Type, read[i].Type);
            Assert.Equal(written[i].NodeId, read[i].NodeId);
            Assert.Equal(written[i].Data.ToArray(), read[i].Data.ToArray());
        }
    }
}
