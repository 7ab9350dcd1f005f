namespace Registry.Core.Tests;

/// <summary>The member set keeps join order through adds, removals, compactions and copies.</summary>
public sealed class MemberListTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(99)]
    public void RandomOperations_AgreeWithAListInJoinOrder_AndCopiesStayApart(int seed)
    {
        var random = new Random(seed);
        var list = new MemberList();
        var model = new List<uint>();
        var copies = new List<(MemberList Copy, uint[] AtCopy)>();
        for (var step = 0; step < 20_000; step++)
        {
            // Ids from a small range, so adds of present members and removals of absent ones are frequent.
            var id = (uint)random.Next(0, 600);
            switch (random.Next(10))
            {
                case < 5:
                    Assert.Equal(!model.Contains(id), list.Add(id));
                    if (!model.Contains(id))
                    {
                        model.Add(id);
                    }

                    break;
                case < 9:
                    Assert.Equal(model.Remove(id), list.Remove(id));
                    break;
                default:
                    copies.Add((list.Clone(), [.. model]));
                    break;
            }

            Assert.Equal(model.Count, list.Count);
            Assert.Equal(model.Contains(id), list.Contains(id));
            if (step % 97 == 0)
            {
                Assert.Equal(model, list.InOrder());
            }
        }

        Assert.Equal(model, list);
        Assert.True(copies.Count > 100);
        foreach (var (copy, atCopy) in copies)
        {
            Assert.Equal(atCopy, copy.InOrder());
        }

        // A copy changed later (compacted too: two thirds removed) behaves as a list of its own, and the original,
        // whose cached order the copy started from, is left alone.
        var copyNow = list.Clone();
        var expected = model.ToList();
        foreach (var member in model.Take(model.Count * 2 / 3))
        {
            Assert.True(copyNow.Remove(member));
            expected.Remove(member);
        }

        Assert.True(copyNow.Add(100_000));
        expected.Add(100_000);
        Assert.Equal(expected, copyNow.InOrder());
        Assert.Equal(model, list.InOrder());
    }

    [Fact]
    public void RemoveThenAddAgain_GoesToTheEnd_AndAddingAPresentMemberKeepsItsPlace()
    {
        var list = new MemberList();
        foreach (var id in new uint[] { 5, 3, 9, 1 })
        {
            list.Add(id);
        }

        Assert.False(list.Add(3));
        Assert.True(list.Remove(3));
        Assert.True(list.Add(3));

        Assert.Equal([5u, 9, 1, 3], list.InOrder());
    }
}
