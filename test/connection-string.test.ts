import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { describeTarget, parseConnectionString } from '../src/engine/dialect/connection-string.ts';
import { InputError } from '../src/engine/errors.ts';

describe('connection strings', () => {
  it('reads URLs of every engine', () => {
    assert.deepEqual(parseConnectionString('sqlite:data/wfm.db'), { engine: 'sqlite', path: 'data/wfm.db' });
    assert.deepEqual(parseConnectionString('sqlite:///tmp/wfm.db'), { engine: 'sqlite', path: '/tmp/wfm.db' });
    assert.deepEqual(parseConnectionString('postgres://wfm:p%40ss@db.example:6543/wfm85'), {
      engine: 'postgres', host: 'db.example', port: 6543, database: 'wfm85', user: 'wfm', password: 'p@ss',
    });
    assert.deepEqual(parseConnectionString('mariadb://root@127.0.0.1/wfm'), {
      engine: 'mysql', host: '127.0.0.1', port: 3306, database: 'wfm', user: 'root', password: undefined,
    });
  });

  it('reads the original utility form, Oracle and SQLite included', () => {
    assert.deepEqual(parseConnectionString('mssql;sqlhost,1444;WFM;sa;secret'), {
      engine: 'mssql', host: 'sqlhost', port: 1444, database: 'WFM', user: 'sa', password: 'secret',
    });
    assert.deepEqual(parseConnectionString('oracle;WFMDB;wfm;secret'), { engine: 'oracle', database: 'WFMDB', user: 'wfm', password: 'secret', port: 1521 });
    assert.deepEqual(parseConnectionString('postgres;localhost;wfm;postgres'), {
      engine: 'postgres', host: 'localhost', port: 5432, database: 'wfm', user: 'postgres', password: undefined,
    });
    assert.deepEqual(parseConnectionString('sqlite;C:/wfm/wfm.db'), { engine: 'sqlite', path: 'C:/wfm/wfm.db' });
  });

  it('rejects malformed strings with a message that never shows the password', () => {
    const cases = ['', 'nonsense', 'informix;host;db;user;TopSecret1', 'postgres;;db;user;TopSecret1', 'postgres://u:TopSecret1@host:99999/db', 'postgres://u:TopSecret1@host', 'sqlite;'];
    for (const text of cases) {
      assert.throws(() => parseConnectionString(text), (error: unknown) => {
        assert.ok(error instanceof InputError, `${text}: ${String(error)}`);
        assert.doesNotMatch(error.message, /TopSecret1/);
        return true;
      });
    }
  });

  it('describes a target without its password', () => {
    const target = parseConnectionString('postgres://wfm:TopSecret1@db:5432/wfm');
    assert.equal(describeTarget(target), 'postgres://wfm@db:5432/wfm');
  });
});
