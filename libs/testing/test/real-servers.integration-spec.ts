import { Etcd3 } from 'etcd3';
import mongoose from 'mongoose';
import {
  describeWithServers,
  etcdEndpoints,
  mongoUriForDatabase,
  uniqueName,
} from '../src';

describeWithServers(['etcd'])('a real etcd server', () => {
  let client: Etcd3;
  let prefix: string;

  beforeAll(() => {
    client = new Etcd3({ hosts: etcdEndpoints() });
  });
  beforeEach(() => {
    prefix = `/${uniqueName('smoke')}/`;
  });
  afterAll(() => client.close());

  it('stores a value and reads it back', async () => {
    await client.put(`${prefix}greeting`).value('hello');
    expect(await client.get(`${prefix}greeting`).string()).toBe('hello');
  });

  it('delivers a put to a watcher of the prefix', async () => {
    const watcher = await client.watch().prefix(prefix).create();
    try {
      const seen = new Promise<string>((resolve) =>
        watcher.on('put', (kv) =>
          resolve(`${kv.key.toString()}=${kv.value.toString()}`),
        ),
      );
      await client.put(`${prefix}watched`).value('42');
      await expect(seen).resolves.toBe(`${prefix}watched=42`);
    } finally {
      await watcher.cancel();
    }
  });

  it('removes a key when its lease expires', async () => {
    const lease = client.lease(1, { autoKeepAlive: false });
    await lease.put(`${prefix}ephemeral`).value('soon gone');
    expect(await client.get(`${prefix}ephemeral`).string()).toBe('soon gone');
    const deadline = Date.now() + 5000;
    let value: string | null = 'soon gone';
    while (value !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      value = await client.get(`${prefix}ephemeral`).string();
    }
    expect(value).toBeNull();
    lease.release();
  });
});

describeWithServers(['mongo'])('a real MongoDB wire-protocol server', () => {
  const Thing = new mongoose.Schema({
    name: { type: String, required: true, unique: true },
    size: Number,
  });
  let connection: mongoose.Connection;

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(mongoUriForDatabase(uniqueName('smoke')), {
        autoIndex: false,
      })
      .asPromise();
    await connection.model('Thing', Thing).createIndexes();
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('creates a document and finds it', async () => {
    const Model = connection.model('Thing');
    await Model.create({ name: 'alpha', size: 3 });
    const found = await Model.findOne({ name: 'alpha' }).lean<{
      name: string;
      size: number;
    }>();
    expect(found).toMatchObject({ name: 'alpha', size: 3 });
  });

  it('reports a unique-index violation as a duplicate-key error', async () => {
    const Model = connection.model('Thing');
    await Model.create({ name: 'beta' });
    await expect(Model.create({ name: 'beta' })).rejects.toMatchObject({
      code: 11000,
    });
  });
});
