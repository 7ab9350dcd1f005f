using System.Text;
using System.Text.Json;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Tests.Snapshots;

public class SnapshotEncoderTests
{
    [Fact]
    public void Encode_DecodedGoFixture_ReproducesFileByteForByte()
    {
        var path = Fixtures.Go("snapshot-small.json");
        var original = File.ReadAllBytes(path);
        var loaded = SnapshotReader.Read(path);

        var encoded = SnapshotEncoder.EncodeToArray(loaded.Snapshot);

        Assert.Equal(Encoding.UTF8.GetString(original), Encoding.UTF8.GetString(encoded));
        Assert.True(original.AsSpan().SequenceEqual(encoded));
    }

    [Fact]
    public void Encode_GoFixture_ProducesEveryExactSnippet()
    {
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Fixtures.Go("snapshot-expected.json")));
        var encoded = Encoding.UTF8.GetString(SnapshotEncoder.EncodeToArray(SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot));

        foreach (var snippet in expected.RootElement.GetProperty("exact_file_snippets").EnumerateArray())
        {
            Assert.Contains(snippet.GetString()!, encoded, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Encode_NodeSource_SameBytesAsTheNodesMap()
    {
        // Ids whose decimal texts sort differently from the numbers ("10" < "9", "4294967295" < "5"), in shuffled order.
        uint[] ids = [9, 10, 4_294_967_295, 1, 100, 99, 1_000_000_000, 5, 11, 2, 19, 200, 1_000];
        var nodes = ids.Select(id => new SnapshotNode
        {
            Id = id,
            PublicKey = $"key{id}",
            Networks = id % 2 == 0 ? [0, (ushort)(id % 7)] : null,
            LastSeen = "2026-11-27T12:00:00Z",
            Tags = id % 3 == 0 ? [$"t{id}"] : null,
            KeyRotCount = id % 4,
        }).ToList();
        var asMap = new Snapshot { Version = 1, Nodes = nodes.ToDictionary(n => n.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), Networks = [], WalSeq = 7 };
        var asSource = new Snapshot { Version = 1, NodeSource = new ListSource(nodes), Networks = [], WalSeq = 7 };

        var expected = Encoding.UTF8.GetString(SnapshotEncoder.EncodeToArray(asMap));

        Assert.Equal(expected, Encoding.UTF8.GetString(SnapshotEncoder.EncodeToArray(asSource)));
        Assert.True(expected.IndexOf("\"10\":", StringComparison.Ordinal) < expected.IndexOf("\"9\":", StringComparison.Ordinal));
    }

    [Fact]
    public void Encode_ReturnsChecksumOfUnsignedBody()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var checksum = SnapshotEncoder.Encode(SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot, buffer);

        Assert.Equal("b6edfccb5202c6123e11e9df8437b049cbf275ababf501e624c7f2ec8920c99f", checksum);
        Assert.Equal(checksum, SnapshotChecksum.ComputeFromSealed(buffer.WrittenSpan));
    }

    [Fact]
    public void Encode_WalSeqSet_WritesItJustBeforeChecksum()
    {
        var snapshot = new Snapshot { NextNode = 1, Nodes = [], Networks = [], WalSeq = 77 };

        var text = Encoding.UTF8.GetString(SnapshotEncoder.EncodeToArray(snapshot));

        Assert.StartsWith("{\"version\":1,\"next_node\":1,\"next_net\":0,\"nodes\":{},\"networks\":{},\"wal_seq\":77,\"checksum\":\"", text, StringComparison.Ordinal);
        Assert.EndsWith("\"}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_WalSeqZero_OmitsIt()
    {
        var text = Encoding.UTF8.GetString(SnapshotEncoder.EncodeToArray(new Snapshot()));

        Assert.StartsWith("{\"version\":1,\"next_node\":0,\"next_net\":0,\"nodes\":null,\"networks\":null,\"checksum\":\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_NullAndEmptyLists_WrittenAsGoDoes()
    {
        var snapshot = new Snapshot
        {
            Nodes = new() { ["1"] = new SnapshotNode { Id = 1, Networks = [], Tags = [], LanAddrs = null } },
            Networks = new()
            {
                ["0"] = new SnapshotNet
                {
                    Members = [],
                    MemberTags = new() { ["1"] = null, ["2"] = [] },
                    Policy = new NetworkPolicy { AllowedPorts = null },
                },
            },
        };

        var text = Encoding.UTF8.GetString(SnapshotEncoder.EncodeToArray(snapshot));

        Assert.Contains("\"nodes\":{\"1\":{\"id\":1,\"public_key\":\"\",\"networks\":[]}}", text, StringComparison.Ordinal);
        Assert.Contains("\"members\":[],\"member_tags\":{\"1\":null,\"2\":[]},\"policy\":{\"max_members\":0,\"allowed_ports\":null,\"description\":\"\"},\"created\":\"\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_InvalidExprPolicy_ThrowsLikeGoMarshal()
    {
        var snapshot = new Snapshot { Networks = new() { ["1"] = new SnapshotNet { ExprPolicy = "{\"a\":"u8.ToArray() } } };

        Assert.Throws<Registry.Persistence.Json.GoJsonException>(() => SnapshotEncoder.EncodeToArray(snapshot));
    }

    [Fact]
    public void EncodedLength_IsTheLengthEncodeWrites()
    {
        // Many nodes (the count passes its scratch buffer many times over), one value longer than that buffer, and
        // non-ASCII text that the escaper expands.
        var nodes = Enumerable.Range(1, 5_000).Select(i => new SnapshotNode
        {
            Id = (uint)i,
            PublicKey = $"key{i}",
            Hostname = i == 77 ? new string('h', 100_000) : $"host-{i}",
            Tags = i % 5 == 0 ? ["<tag>", "é\u2028"] : null,
            LastSeen = "2026-11-27T12:00:00Z",
        }).ToList();
        Snapshot[] snapshots =
        [
            SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot,
            new Snapshot(),
            new Snapshot { NextNode = 5_001, NodeSource = new ListSource(nodes), Networks = [], WalSeq = 123_456 },
        ];

        foreach (var snapshot in snapshots)
        {
            Assert.Equal(SnapshotEncoder.EncodeToArray(snapshot).LongLength, SnapshotEncoder.EncodedLength(snapshot));
        }
    }

    [Fact]
    public void EncodedLength_InvalidExprPolicy_ThrowsAsEncodeDoes()
    {
        var snapshot = new Snapshot { Networks = new() { ["1"] = new SnapshotNet { ExprPolicy = "{\"a\":"u8.ToArray() } } };

        Assert.Throws<Registry.Persistence.Json.GoJsonException>(() => SnapshotEncoder.EncodedLength(snapshot));
    }

    /// <summary>Nodes handed over one at a time, copied into the encoder's node as a store's source would.</summary>
    private sealed class ListSource(List<SnapshotNode> nodes) : ISnapshotNodeSource
    {
        public int Count => nodes.Count;

        public uint IdAt(int index) => nodes[index].Id;

        public void Fill(int index, SnapshotNode target)
        {
            var n = nodes[index];
            target.Id = n.Id;
            target.PublicKey = n.PublicKey;
            target.Networks = n.Networks;
            target.LastSeen = n.LastSeen;
            target.Tags = n.Tags;
            target.KeyRotCount = n.KeyRotCount;
        }
    }
}
