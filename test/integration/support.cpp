// The database the integration tests run in: created (with the extension) before the
// first test, dropped after the last.
#include "support.hpp"

namespace udm_it {
namespace {

// The database of these tests: created (with the extension) before the first test,
// dropped after the last. With UDM_IT_PREPARED=1 the caller made it, with udm and whatever
// else it needs (a database of a Citus cluster, registered on every node: citus.sh), and
// removes it.
class Database : public ::testing::Environment {
  public:
    void SetUp() override {
        if (std::getenv("PGHOST") == nullptr || std::getenv("PGPORT") == nullptr) {
            FAIL() << "set PGHOST and PGPORT to the cluster to test against "
                      "(test/integration/libpqxx.sh does)";
        }
        if (prepared())
            return;
        auto admin = connect("", maintenance_db());
        session(*admin, "DROP DATABASE IF EXISTS " + kDatabase + " WITH (FORCE)");
        // Leftovers of an interrupted earlier run: their objects went with its database.
        drop_our_roles(*admin, /*report=*/false);
        session(*admin, "CREATE DATABASE " + kDatabase);
        auto db = connect();
        session(*db, "CREATE EXTENSION udm");
    }

    void TearDown() override {
        try {
            auto admin = connect("", maintenance_db());
            if (!prepared())
                session(*admin, "DROP DATABASE IF EXISTS " + kDatabase + " WITH (FORCE)");
            drop_our_roles(*admin, /*report=*/true);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cleaning up: " << e.what();
        }
    }

  private:
    static bool prepared() {
        const char* value = std::getenv("UDM_IT_PREPARED");
        return value != nullptr && std::string(value) == "1";
    }

    static std::string maintenance_db() {
        const char* db = std::getenv("PGDATABASE");
        return db != nullptr && *db != '\0' && kDatabase != db ? db : "postgres";
    }

    // Drops the cluster-wide roles these tests create; with report, any found is a failure
    // (the tests' own TearDown should have dropped them).
    static void drop_our_roles(pqxx::connection& admin, bool report) {
        pqxx::result roles =
            query(admin, std::string("SELECT rolname FROM pg_catalog.pg_roles WHERE ") + kOurRoles);
        for (const auto& row : roles) {
            const std::string role = row[0].c_str();
            if (report)
                ADD_FAILURE() << "role " << role << " was left behind";
            try {
                session(admin, "DROP ROLE " + quote_ident(admin, role));
            } catch (const pqxx::sql_error& e) {
                std::cerr << "note: could not drop role " << role << ": " << e.what();
            }
        }
    }
};

[[maybe_unused]] ::testing::Environment* const kDatabaseEnvironment =
    ::testing::AddGlobalTestEnvironment(new Database);

}  // namespace
}  // namespace udm_it
