/*
 * test/clients/ServeJdbc.java
 *    The PostgreSQL JDBC driver against `pgwire serve` (suite 65-serve):
 *    prepared statements with typed parameters (server-side prepared after
 *    prepareThreshold uses), batches, setFetchSize inside a transaction
 *    (Execute with a row limit, answered by PortalSuspended), rollback and
 *    SQLSTATEs.  One "ok - ..." / "not ok - ..." line per check.
 *
 *   java -cp /usr/share/java/postgresql.jar:DIR ServeJdbc URL USER PASSWORD
 */
import java.sql.*;

public class ServeJdbc
{
	static int failed = 0;

	static void check(boolean cond, String what)
	{
		System.out.println((cond ? "ok" : "not ok") + " - jdbc: " + what);
		if (!cond)
			failed++;
	}

	public static void main(String[] args) throws Exception
	{
		Connection c = DriverManager.getConnection(args[0], args[1], args[2]);
		check(c.getMetaData().getDatabaseProductVersion().startsWith("15.0"),
			  "connect, server version " + c.getMetaData().getDatabaseProductVersion());
		/* HikariCP and others read it at connect: SHOW TRANSACTION ISOLATION LEVEL */
		check(c.getTransactionIsolation() == Connection.TRANSACTION_SERIALIZABLE,
			  "getTransactionIsolation: " + c.getTransactionIsolation());
		Statement s = c.createStatement();
		s.execute("DROP TABLE IF EXISTS j");
		s.execute("CREATE TABLE j(id int8 PRIMARY KEY, name text, x float8, ok bool, b bytea)");

		PreparedStatement ins = c.prepareStatement("INSERT INTO j VALUES (?, ?, ?, ?, ?)");
		int total = 0;
		for (int i = 1; i <= 8; i++)
		{
			ins.setInt(1, i);
			ins.setString(2, "name" + i);
			ins.setDouble(3, i * 1.5);
			ins.setBoolean(4, i % 2 == 0);
			ins.setBytes(5, new byte[] {(byte) i, 0, (byte) 255});
			total += ins.executeUpdate();
		}
		check(total == 8, "prepared INSERT x8 (server-prepared after 5), update counts " + total);

		for (int i = 9; i <= 30; i++)
		{
			ins.setLong(1, i);
			ins.setString(2, "batch" + i);
			ins.setNull(3, Types.DOUBLE);
			ins.setBoolean(4, false);
			ins.setNull(5, Types.BINARY);
			ins.addBatch();
		}
		int[] counts = ins.executeBatch();
		int sum = 0;
		for (int n : counts)
			sum += n;
		check(counts.length == 22 && sum == 22, "executeBatch of 22 rows, counts sum " + sum);

		PreparedStatement sel = c.prepareStatement("SELECT id, name, x, ok, b FROM j WHERE id = ?");
		boolean good = true;
		for (int i = 1; i <= 7; i++)
		{
			sel.setLong(1, i);
			ResultSet rs = sel.executeQuery();
			good &= rs.next() && rs.getLong(1) == i && rs.getString(2).equals("name" + i) &&
				rs.getDouble(3) == i * 1.5 && rs.getBoolean(4) == (i % 2 == 0) &&
				rs.getBytes(5).length == 3 && (rs.getBytes(5)[2] & 0xff) == 255 && !rs.next();
			rs.close();
		}
		check(good, "prepared SELECT x7: int8, text, float8, bool, bytea values");

		c.setAutoCommit(false);
		Statement fs = c.createStatement();
		fs.setFetchSize(4);
		ResultSet rs = fs.executeQuery("SELECT id FROM j ORDER BY id");
		int rows = 0;
		long last = 0;
		while (rs.next())
		{
			rows++;
			last = rs.getLong(1);
		}
		rs.close();
		check(rows == 30 && last == 30, "setFetchSize(4): 30 rows through a suspended portal");
		s.executeUpdate("UPDATE j SET name = 'changed' WHERE id = 1");
		c.rollback();
		rs = s.executeQuery("SELECT name FROM j WHERE id = 1");
		check(rs.next() && rs.getString(1).equals("name1"), "rollback undoes the UPDATE");
		rs.close();
		c.commit();
		c.setAutoCommit(true);

		try
		{
			s.executeUpdate("INSERT INTO j(id) VALUES (1)");
			check(false, "duplicate key rejected");
		}
		catch (SQLException e)
		{
			check("23505".equals(e.getSQLState()), "duplicate key: SQLSTATE " + e.getSQLState());
		}
		try
		{
			s.executeQuery("SELECT * FROM missing");
			check(false, "missing table rejected");
		}
		catch (SQLException e)
		{
			check("42P01".equals(e.getSQLState()), "missing table: SQLSTATE " + e.getSQLState());
		}
		rs = s.executeQuery("SELECT count(*) FROM j");
		check(rs.next() && rs.getLong(1) == 30, "count(*) = 30 after the errors");
		c.close();
		System.exit(failed > 0 ? 1 : 0);
	}
}
